//! `jsbox serve`, end to end: the real binary on 127.0.0.1:0.

mod edges;
mod plugin;
mod requests;
