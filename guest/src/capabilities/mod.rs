//! The JS-facing natives of the host interfaces behind the run's grants:
//! [`fs`], [`http`] and [`env`].
//!
//! Each module makes an object of Rust functions that call the WIT import
//! and convert its results to plain JS values (bytes as `ArrayBuffer`s,
//! records as plain objects, resource handles as integer ids). The objects
//! are handed to the JS that gives them their Node or web shape (`fs.js`,
//! `fetch.js`, `process.env`) and are reachable from no global. A refused
//! or failed call throws an `Error` whose `code` is the host's (`ENOENT`,
//! `ERR_ACCESS_DENIED`...); the JS layer adds Node's `errno`, `syscall` and
//! `path`. Nothing here holds per-run state in the snapshot: the handle
//! tables are empty when `initialize` ends.

pub mod env;
pub mod fs;
pub mod http;

use javy::quickjs::{Ctx, Error, Exception};

/// An `Error` with `message` and `code`, thrown.
fn throw(ctx: &Ctx<'_>, code: &str, message: &str) -> Error {
    match Exception::from_message(ctx.clone(), message) {
        Ok(exception) => match exception.as_object().set("code", code) {
            Ok(()) => exception.throw(),
            Err(error) => error,
        },
        Err(error) => error,
    }
}
