//! `URL` and `URLSearchParams` (WHATWG URL), backed by the `url` crate.
//!
//! Rust parses, serializes and runs the setters (the `url` crate's `quirks`
//! module implements the WHATWG API's getters and setters, IDNA included);
//! `url.js` holds the classes, the live link between a `URL` and its
//! `searchParams`, and the `URLSearchParams` list operations.
//!
//! A `URL` object keeps its serialization (`href`) and its components; a
//! setter re-parses `href`, applies the change and takes the new
//! components. Parsing a URL's own serialization gives back the same URL,
//! so this matches setting the URL record in place.
//!
//! [`href`] serves `Request` and `Response.redirect` (`web/fetch/`), which need
//! only the serialization: one string instead of a `URL` object.
//!
//! Also there: `URL.canParse`, `URL.parse`, `URLSearchParams` `size`,
//! `has`/`delete` with a value, and WebIDL pair iterators over the live
//! list.
//!
//! Divergences: none known beyond the `url` crate's own conformance to the
//! WHATWG tests, which is high but not complete (see its issue tracker).
//! Argument conversions follow WebIDL loosely: missing arguments of the
//! `URLSearchParams` methods convert `undefined` instead of throwing.

use javy::quickjs::{Array, Ctx, Exception, Function, Object, Result};
use url::{Url, form_urlencoded, quirks};

use crate::builtins::{self, Builtin, builtin};

const JS: Builtin = builtin!("jsbox:web/url", "url.js");

pub fn install<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>) -> anyhow::Result<()> {
    let native = Object::new(ctx.clone())?;
    native.set("parse", Function::new(ctx.clone(), parse)?)?;
    native.set("set", Function::new(ctx.clone(), set)?)?;
    native.set("parseQuery", Function::new(ctx.clone(), parse_query)?)?;
    native.set(
        "serializeQuery",
        Function::new(ctx.clone(), serialize_query)?,
    )?;
    builtins::install(ctx, &JS, (native, helpers.clone()))
}

/// The components of `input` parsed against `base`, or `None` when either
/// does not parse.
fn parse<'js>(ctx: Ctx<'js>, input: String, base: Option<String>) -> Result<Option<Array<'js>>> {
    let base = match base.map(|base| Url::parse(&base)) {
        Some(Ok(base)) => Some(base),
        Some(Err(_)) => return Ok(None),
        None => None,
    };
    match Url::options().base_url(base.as_ref()).parse(&input) {
        Ok(url) => components(&ctx, &url).map(Some),
        Err(_) => Ok(None),
    }
}

/// The serialization of the absolute URL `input` (a USVString); a
/// TypeError when it does not parse, or when it has credentials and
/// `allow_credentials` is false (a `Request`'s URL may not).
pub fn href(ctx: Ctx<'_>, input: String, allow_credentials: bool) -> Result<String> {
    match Url::parse(&input) {
        Ok(url)
            if !allow_credentials && (!url.username().is_empty() || url.password().is_some()) =>
        {
            Err(Exception::throw_type(
                &ctx,
                &format!("Request: the URL '{input}' includes credentials"),
            ))
        }
        Ok(url) => Ok(url.into()),
        Err(_) => Err(Exception::throw_type(
            &ctx,
            &format!("'{input}' is not a valid URL"),
        )),
    }
}

/// Applies the setter `field` (an index into [`components`]'s order) with
/// `value` to the URL serialized as `href`, and returns the components of
/// the result; `None` only for an `href` that does not parse. As in the
/// standard, the other setters ignore values they cannot use.
fn set<'js>(ctx: Ctx<'js>, href: String, field: u32, value: String) -> Result<Option<Array<'js>>> {
    let Ok(mut url) = Url::parse(&href) else {
        return Ok(None);
    };
    let value = value.as_str();
    // The setters other than `href` report values they could not use; the
    // standard ignores those, so their results are dropped.
    let _ignored = match field {
        0 => {
            if quirks::set_href(&mut url, value).is_err() {
                return Ok(None);
            }
            Ok(())
        }
        2 => quirks::set_protocol(&mut url, value),
        3 => quirks::set_username(&mut url, value),
        4 => quirks::set_password(&mut url, value),
        5 => quirks::set_host(&mut url, value),
        6 => quirks::set_hostname(&mut url, value),
        7 => quirks::set_port(&mut url, value),
        8 => {
            quirks::set_pathname(&mut url, value);
            Ok(())
        }
        9 => {
            quirks::set_search(&mut url, value);
            Ok(())
        }
        10 => {
            quirks::set_hash(&mut url, value);
            Ok(())
        }
        _ => return Ok(None),
    };
    components(&ctx, &url).map(Some)
}

/// `[href, origin, protocol, username, password, host, hostname, port,
/// pathname, search, hash]`.
fn components<'js>(ctx: &Ctx<'js>, url: &Url) -> Result<Array<'js>> {
    let origin = quirks::origin(url);
    let parts = [
        quirks::href(url),
        origin.as_str(),
        quirks::protocol(url),
        quirks::username(url),
        quirks::password(url),
        quirks::host(url),
        quirks::hostname(url),
        quirks::port(url),
        quirks::pathname(url),
        quirks::search(url),
        quirks::hash(url),
    ];
    let array = Array::new(ctx.clone())?;
    for (i, part) in parts.into_iter().enumerate() {
        array.set(i, part)?;
    }
    Ok(array)
}

/// The `application/x-www-form-urlencoded` parse of `query` as a flat
/// `[name, value, name, value...]` list.
fn parse_query(query: String) -> Vec<String> {
    form_urlencoded::parse(query.as_bytes())
        .flat_map(|(name, value)| [name.into_owned(), value.into_owned()])
        .collect()
}

/// The `application/x-www-form-urlencoded` serialization of a flat
/// `[name, value, name, value...]` list.
fn serialize_query(pairs: Vec<String>) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for pair in pairs.chunks(2) {
        serializer.append_pair(&pair[0], pair.get(1).map_or("", String::as_str));
    }
    serializer.finish()
}
