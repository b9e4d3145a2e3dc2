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

pub use process::ProcessExit;

use crate::bindings::jsbox::sandbox::types;
use crate::state::SandboxState;

impl types::Host for SandboxState {}
