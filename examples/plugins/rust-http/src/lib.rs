//! A jsbox HTTP plugin written in Rust: a tiny JSON API served by
//! `jsbox serve`, one fresh instance per request. Implements the
//! `jsbox:sandbox/http-plugin` world (`wit/http-plugin.wit`); see README.md
//! to build and serve it.

wit_bindgen::generate!({
    world: "http-plugin",
    path: "../../../wit",
});

use exports::jsbox::sandbox::incoming_handler::Guest;
use jsbox::sandbox::http_types::{IncomingRequest, OutgoingResponse};
use jsbox::sandbox::types::JsError;
use jsbox::sandbox::{context, log};

struct Api;

impl Guest for Api {
    fn handle(request: IncomingRequest) -> Result<OutgoingResponse, JsError> {
        let path = path_of(&request.url);
        log::emit(log::Level::Info, &format!("{} {path}", request.method), &[]);
        match (request.method.as_str(), path) {
            ("GET", "/") => {
                let context = context::get();
                let tenant = context.tenant_id.unwrap_or_else(|| "nobody".to_owned());
                let body = format!(
                    "{{\"hello\":{},\"requestId\":{}}}",
                    json_string(&tenant),
                    json_string(&context.request_id)
                );
                Ok(response(200, "application/json", body.into_bytes()))
            }
            ("POST", "/echo") => {
                let kind = request
                    .headers
                    .iter()
                    .find(|(name, _)| name == "content-type")
                    .map_or("application/octet-stream", |(_, value)| value.as_str())
                    .to_owned();
                Ok(response(200, &kind, request.body))
            }
            // Runs until the host's deadline or fuel budget stops it.
            (_, "/spin") => loop {
                std::hint::black_box(());
            },
            (_, "/fail") => Err(JsError {
                name: "Error".to_owned(),
                message: "the plugin was asked to fail".to_owned(),
                stack: None,
            }),
            _ => Ok(response(404, "text/plain", b"not found\n".to_vec())),
        }
    }
}

/// The path of an absolute URL, without its query.
fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("/", |start| &after_scheme[start..]);
    path.split(['?', '#']).next().unwrap_or("/")
}

fn response(status: u16, content_type: &str, body: Vec<u8>) -> OutgoingResponse {
    OutgoingResponse {
        status,
        headers: vec![("content-type".to_owned(), content_type.to_owned())],
        body,
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

export!(Api);
