//! jsbox's integration tests, in one test binary (`cargo test --test it`):
//! each of these links Wasmtime, so one binary links it once. A module a
//! behaviour; `support` is what they share (the one in-process runtime,
//! the `jsbox` binary as a command, test servers and components).
//!
//! Every test shares this process with the others, running in parallel:
//! none may change the process's environment, working directory or
//! umask, and a test that measures the process itself runs in a child
//! process of its own (`support::alone_in_process`).
//!
//! Run one module with `cargo test --test it node::`, one test with
//! `cargo test --test it -- --exact fs::edges::fifos_devices_and_sockets_are_refused_without_blocking`.

mod architecture;
mod cli;
mod control;
mod event_loop;
mod fast_start;
mod fetch;
mod fs;
mod fuzz;
mod grants;
mod handler;
mod host_functions;
mod host_state;
mod modules;
mod no_eval;
mod node;
mod packages;
mod plugin;
mod sandbox;
mod serve;
mod slot_reset;
mod support;
mod web;
