//! Host implementations of the interfaces the guest imports, one file per
//! WIT interface, named after it.

mod code_generation;
mod context;
mod env;
pub(crate) mod fs;
mod gate;
mod host_functions;
pub(crate) mod http;
pub(crate) mod http_body;
mod http_response;
mod log;
mod modules;
mod process;
mod timers;

use crate::capabilities::bindings::jsbox::sandbox::types;
use crate::capabilities::state::RunState;

impl types::Host for RunState {}
