//! Workers-style fetch handlers at the library level: `Runtime::handle`
//! and prepared (snapshotted) entries.

mod handle;
mod prepared;
