//! The `jsbox` binary's `run` and `test` commands, end to end.

mod grants;
mod run;
mod test_command;
