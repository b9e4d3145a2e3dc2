//! Opening the directory a checked path lies in, by exactly the path the
//! grants checked.
//!
//! The grants judge a canonical path: absolute, without `.` or `..`, and
//! without a symbolic link at the time of the check (`host/grants/path.rs`).
//! Between the check and the operation, another process may swap one of its
//! directories for a link, to a place outside the grant or to a denied
//! subtree inside it. So the path is opened again beneath the granted
//! directory with no symbolic link followed at all: Linux's `openat2` with
//! `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`, or, where
//! the kernel lacks it (before 5.6, or a seccomp filter refuses it), one
//! `O_NOFOLLOW` component at a time. A component that has become a link
//! fails with [`Refusal::Link`] instead of being followed. The final name is
//! then acted on relative to its directory with the `*at` calls' no-follow
//! forms (`at.rs`).

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path};

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::error::Refusal;

/// How a directory is opened only to name things relative to it.
pub(super) const LOOKUP: OFlags = OFlags::PATH;

/// How a directory is opened to list its entries.
pub(super) const LISTING: OFlags = OFlags::RDONLY.union(OFlags::NONBLOCK);

/// Added to every directory's flags.
const DIRECTORY: OFlags = OFlags::DIRECTORY.union(OFlags::CLOEXEC);

/// How often `openat2` is retried when the kernel reports a concurrent
/// rename it could not rule out (`EAGAIN`).
const RETRIES: usize = 8;

/// A final name and the open directory it is in.
pub(super) struct Located {
    pub dir: OwnedFd,
    /// A single normal component, or `.` for the directory itself.
    pub name: OsString,
}

/// Opens the directory at the absolute canonical path `anchor`, following
/// no symbolic link on the way.
pub(super) fn open_anchor(anchor: &Path) -> io::Result<OwnedFd> {
    let root = rustix::fs::openat(CWD, "/", LOOKUP | DIRECTORY, Mode::empty())?;
    let inside = anchor.strip_prefix("/").map_err(|_| not_canonical())?;
    open_dir_beneath(root.as_fd(), inside, LOOKUP)
}

/// Locates `relative` (normal components only; empty for `anchor` itself)
/// beneath the directory `anchor`: its parent opened, its final name kept.
pub(super) fn locate(anchor: BorrowedFd<'_>, relative: &Path) -> io::Result<Located> {
    match (relative.parent(), relative.file_name()) {
        (Some(parent), Some(name)) => Ok(Located {
            dir: open_dir_beneath(anchor, parent, LOOKUP)?,
            name: name.to_owned(),
        }),
        _ => Ok(Located {
            dir: open_dir_beneath(anchor, Path::new(""), LOOKUP)?,
            name: OsString::from("."),
        }),
    }
}

/// Opens the directory `relative` (normal components, or `.`) beneath
/// `base` ([`LOOKUP`] or [`LISTING`]) without following any symbolic link.
pub(super) fn open_dir_beneath(
    base: BorrowedFd<'_>,
    relative: &Path,
    how: OFlags,
) -> io::Result<OwnedFd> {
    if !relative
        .components()
        .all(|component| matches!(component, Component::Normal(_) | Component::CurDir))
    {
        return Err(not_canonical());
    }
    let path = if relative.as_os_str().is_empty() {
        Path::new(".")
    } else {
        relative
    };
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    for _ in 0..RETRIES {
        match rustix::fs::openat2(base, path, how | DIRECTORY, Mode::empty(), resolve) {
            Ok(dir) => return Ok(dir),
            Err(Errno::AGAIN) => continue,
            // The kernel predates `openat2`, or a seccomp filter refuses it
            // (no path makes `openat2` itself answer EPERM for a directory).
            Err(Errno::NOSYS | Errno::PERM) => return walk(base, relative, how),
            Err(Errno::LOOP | Errno::XDEV) => return Err(Refusal::Link.into()),
            Err(Errno::NOTDIR) => return Err(not_dir_or_link(base, relative)),
            Err(errno) => return Err(errno.into()),
        }
    }
    Err(Errno::AGAIN.into())
}

/// [`open_dir_beneath`] without `openat2`: each component opened with
/// `O_NOFOLLOW` relative to the one before, the last one `how`.
fn walk(base: BorrowedFd<'_>, relative: &Path, how: OFlags) -> io::Result<OwnedFd> {
    let mut components = relative.components().peekable();
    let first = if components.peek().is_none() {
        how
    } else {
        LOOKUP
    };
    let mut dir = rustix::fs::openat(base, ".", first | DIRECTORY, Mode::empty())?;
    while let Some(component) = components.next() {
        let name = component.as_os_str();
        let flags = if components.peek().is_none() {
            how
        } else {
            LOOKUP
        };
        let flags = flags | DIRECTORY | OFlags::NOFOLLOW;
        dir = match rustix::fs::openat(&dir, name, flags, Mode::empty()) {
            Ok(next) => next,
            // A link opened with `O_PATH | O_NOFOLLOW | O_DIRECTORY` fails
            // as "not a directory".
            Err(Errno::NOTDIR) => return Err(not_dir_or_link(dir.as_fd(), Path::new(name))),
            Err(errno) => return Err(errno.into()),
        };
    }
    Ok(dir)
}

/// The error for `ENOTDIR` on opening `relative` beneath `base` as a
/// directory: [`Refusal::Link`] if one of its components is now a link.
pub(super) fn not_dir_or_link(base: BorrowedFd<'_>, relative: &Path) -> io::Error {
    let mut prefix = std::path::PathBuf::new();
    for component in relative.components() {
        prefix.push(component);
        match rustix::fs::statat(base, prefix.as_path(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Symlink => {
                return Refusal::Link.into();
            }
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Directory => {}
            _ => break,
        }
    }
    Errno::NOTDIR.into()
}

fn not_canonical() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the path is not in canonical form",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `root/{real/file, link -> real}`.
    fn tree() -> (tempfile::TempDir, OwnedFd) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::fs::write(dir.path().join("real/file"), "x").unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
        let anchor = open_anchor(&dir.path().canonicalize().unwrap()).unwrap();
        (dir, anchor)
    }

    fn refused(result: io::Result<impl Sized>) -> bool {
        result.is_err_and(|e| Refusal::of(&e) == Some(&Refusal::Link))
    }

    #[test]
    fn both_ways_open_real_directories_and_refuse_links() {
        let (_dir, anchor) = tree();
        for open in [open_dir_beneath, walk] {
            for how in [LOOKUP, LISTING] {
                let open = |path: &str| open(anchor.as_fd(), Path::new(path), how);
                assert!(open("real").is_ok());
                assert!(open("").is_ok());
                assert!(refused(open("link")));
                let error = open("real/file").unwrap_err();
                assert_eq!(error.raw_os_error(), Some(Errno::NOTDIR.raw_os_error()));
                let error = open("missing").unwrap_err();
                assert_eq!(error.kind(), io::ErrorKind::NotFound);
            }
        }
        assert!(refused(locate(anchor.as_fd(), Path::new("link/file"))));
        let located = locate(anchor.as_fd(), Path::new("real/file")).unwrap();
        assert_eq!(located.name, "file");
        assert_eq!(locate(anchor.as_fd(), Path::new("")).unwrap().name, ".");
        assert!(open_dir_beneath(anchor.as_fd(), Path::new("real/../real"), LOOKUP).is_err());
    }

    #[test]
    fn an_anchor_reached_through_a_link_is_refused() {
        let (dir, _anchor) = tree();
        assert!(refused(open_anchor(
            &dir.path().canonicalize().unwrap().join("link")
        )));
    }
}
