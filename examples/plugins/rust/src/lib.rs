//! A jsbox plugin written in Rust: greets its input on behalf of the run's
//! tenant, logging through the host. Implements the `jsbox:sandbox/plugin`
//! world (`wit/plugin.wit`); see README.md to build and run it.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../../wit",
});

use exports::jsbox::sandbox::handler::Guest;
use jsbox::sandbox::types::JsError;
use jsbox::sandbox::{context, log};

struct Hello;

impl Guest for Hello {
    fn handle(input: String) -> Result<String, JsError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(JsError {
                name: "TypeError".to_owned(),
                message: "the input must name someone to greet".to_owned(),
                stack: None,
            });
        }
        let tenant = context::get()
            .tenant_id
            .unwrap_or_else(|| "nobody".to_owned());
        log::emit(log::Level::Info, &format!("greeting {name}"), &[]);
        Ok(format!("Hello, {name}! (for {tenant})"))
    }
}

export!(Hello);
