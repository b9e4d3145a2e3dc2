//! The errors of the `fs` calls: the host's own refusals, and every error in
//! the shape Node reports it.

use std::io;

use crate::capabilities::bindings::jsbox::sandbox::fs::{Error, ErrorCode};

/// How a [`Refusal::Link`] message begins: what marks the error as a denial
/// to audit.
pub(super) const LINK_REFUSED: &str = "Refused to follow a symbolic link";

/// What the host refuses to do, whatever the grants say.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(super) enum Refusal {
    /// A symbolic link where the checked path had none: swapped in after
    /// the check, or a final link that did not resolve when it was checked
    /// (so the check could not judge where it leads).
    #[error(
        "{LINK_REFUSED}: one appeared on the path after the path was checked, or the path ends in \
         a link that does not resolve; name the file it should lead to instead"
    )]
    Link,
    /// Only regular files and directories are opened: a FIFO would block
    /// the run, and devices and sockets are not files to read or write.
    #[error("only regular files and directories can be opened, and this is {0}")]
    NotRegular(&'static str),
    /// The run's deadline passed during a long operation (`rm` of a large
    /// tree); the run ends as timed out.
    #[error("the run's deadline passed")]
    Deadline,
}

impl Refusal {
    /// The refusal `error` carries, if it is one.
    pub(super) fn of(error: &io::Error) -> Option<&Refusal> {
        error.get_ref()?.downcast_ref()
    }
}

impl From<Refusal> for io::Error {
    fn from(refusal: Refusal) -> Self {
        io::Error::other(refusal)
    }
}

/// An I/O error as Node reports it: `ENOENT: no such file or directory,
/// open '/x'`.
pub(super) fn io_error(error: io::Error, syscall: &str, path: &str) -> Error {
    match Refusal::of(&error) {
        Some(refusal @ Refusal::Link) => {
            return Error {
                code: ErrorCode::AccessDenied,
                message: format!("{refusal}, {syscall} '{path}'"),
            };
        }
        Some(refusal) => {
            return Error {
                code: ErrorCode::Eperm,
                message: format!("EPERM: {refusal}, {syscall} '{path}'"),
            };
        }
        None => {}
    }
    let (code, name, text) = match error.raw_os_error() {
        Some(2) => (ErrorCode::Enoent, "ENOENT", "no such file or directory"),
        Some(13) => (ErrorCode::Eacces, "EACCES", "permission denied"),
        Some(1) => (ErrorCode::Eperm, "EPERM", "operation not permitted"),
        Some(17) => (ErrorCode::Eexist, "EEXIST", "file already exists"),
        Some(20) => (ErrorCode::Enotdir, "ENOTDIR", "not a directory"),
        Some(21) => (
            ErrorCode::Eisdir,
            "EISDIR",
            "illegal operation on a directory",
        ),
        Some(39) => (ErrorCode::Enotempty, "ENOTEMPTY", "directory not empty"),
        Some(22) => (ErrorCode::Einval, "EINVAL", "invalid argument"),
        Some(9) => (ErrorCode::Ebadf, "EBADF", "bad file descriptor"),
        Some(40) => (
            ErrorCode::Eloop,
            "ELOOP",
            "too many symbolic links encountered",
        ),
        Some(18) => (ErrorCode::Exdev, "EXDEV", "cross-device link not permitted"),
        Some(36) => (ErrorCode::Enametoolong, "ENAMETOOLONG", "name too long"),
        _ if error.kind() == io::ErrorKind::NotFound => {
            (ErrorCode::Enoent, "ENOENT", "no such file or directory")
        }
        _ => {
            return Error {
                code: ErrorCode::Eio,
                message: format!("EIO: {error}, {syscall} '{path}'"),
            };
        }
    };
    let message = if path.is_empty() {
        format!("{name}: {text}, {syscall}")
    } else {
        format!("{name}: {text}, {syscall} '{path}'")
    };
    Error { code, message }
}
