//! The `jsbox` binary's `run` command, end to end.

mod grants;
mod run;
