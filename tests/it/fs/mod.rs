//! `node:fs` over the host's file grants, and their edges.

mod edges;
mod node_fs;
