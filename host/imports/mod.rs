//! Host implementations of the interfaces the guest imports, one file per
//! WIT interface, named after it.

mod context;
mod env;
pub(crate) mod fs;
mod gate;
pub(crate) mod http;
mod http_response;
mod log;
mod modules;
mod process;
mod timers;

pub use process::ProcessExit;

use crate::bindings::jsbox::sandbox::types;
use crate::state::SandboxState;

impl types::Host for SandboxState {}
