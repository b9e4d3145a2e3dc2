//! The operations on a located name (`beneath.rs`), none following a
//! symbolic link: what the name is when the operation runs is acted on,
//! never where a link swapped in since the check would lead.
//!
//! Only regular files and directories are opened: a FIFO would block the
//! run's thread in `open` or `read` past any deadline, and devices and
//! sockets are not files. The kind is checked before opening (so a device's
//! `open` has no side effect) and again on the open descriptor (in case it
//! was swapped in between), with `O_NONBLOCK` set until then so that not
//! even that open can wait. Modes are masked to the permission bits: a
//! write grant cannot make setuid, setgid or sticky files.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::beneath::{LISTING, LOOKUP, Located, open_dir_beneath};
use super::error::Refusal;
use crate::capabilities::bindings::jsbox::sandbox::fs::{DirEntry, FileKind, OpenFlags};

const ENOTDIR: i32 = Errno::NOTDIR.raw_os_error();

/// The mode bits a script may give a file or directory it creates.
const PERMISSION_BITS: u32 = 0o777;

/// Opens the file `at` names with `flags`; `mode` (its permission bits)
/// for a file it creates.
pub(super) fn open(at: &Located, flags: &OpenFlags, mode: u32) -> io::Result<File> {
    let how = open_flags(flags)?;
    match rustix::fs::statat(&at.dir, at.name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => openable(FileType::from_raw_mode(stat.st_mode))?,
        Err(Errno::NOENT) if flags.create => {}
        Err(errno) => return Err(errno.into()),
    }
    let how = how | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let mode = Mode::from_raw_mode(mode & PERMISSION_BITS);
    let fd = match rustix::fs::openat(&at.dir, at.name.as_os_str(), how, mode) {
        Ok(fd) => fd,
        Err(Errno::LOOP) => return Err(Refusal::Link.into()),
        // A FIFO without a reader opened for writing, or a socket: swapped
        // in since the check above.
        Err(Errno::NXIO) => return Err(Refusal::NotRegular("a FIFO, socket or device").into()),
        Err(errno) => return Err(errno.into()),
    };
    openable(FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode))?;
    let blocking = rustix::fs::fcntl_getfl(&fd)? - OFlags::NONBLOCK;
    rustix::fs::fcntl_setfl(&fd, blocking)?;
    Ok(File::from(fd))
}

/// The access and creation flags of `flags`, refusing the combinations
/// `std::fs::OpenOptions` refuses (creating or truncating without
/// writing, truncating while appending).
fn open_flags(flags: &OpenFlags) -> io::Result<OFlags> {
    let writes = flags.write || flags.append;
    if (!writes && (flags.create || flags.truncate))
        || (flags.append && flags.truncate && !(flags.create && flags.exclusive))
    {
        return Err(Errno::INVAL.into());
    }
    let mut how = match (flags.read || !writes, writes) {
        (true, true) => OFlags::RDWR,
        (false, true) => OFlags::WRONLY,
        _ => OFlags::RDONLY,
    };
    how.set(OFlags::APPEND, flags.append);
    how.set(OFlags::TRUNC, flags.truncate);
    how.set(OFlags::CREATE, flags.create);
    how.set(OFlags::EXCL, flags.create && flags.exclusive);
    Ok(how)
}

/// Whether a file of `kind` may be opened.
fn openable(kind: FileType) -> io::Result<()> {
    let refused = match kind {
        FileType::RegularFile | FileType::Directory => return Ok(()),
        FileType::Symlink => return Err(Refusal::Link.into()),
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Unknown => "of an unknown kind",
    };
    Err(Refusal::NotRegular(refused).into())
}

/// The metadata of what `at` names; with `follow`, a symbolic link there is
/// refused (the checked path, resolved, had none).
pub(super) fn metadata(at: &Located, follow: bool) -> io::Result<std::fs::Metadata> {
    let how = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(&at.dir, at.name.as_os_str(), how, Mode::empty())?;
    let meta = File::from(fd).metadata()?;
    if follow && meta.file_type().is_symlink() {
        return Err(Refusal::Link.into());
    }
    Ok(meta)
}

/// The entries of the directory `at` names, without `.` and `..`, sorted by
/// name.
pub(super) fn read_dir(at: &Located) -> io::Result<Vec<DirEntry>> {
    let listing = open_dir_beneath(at.dir.as_fd(), Path::new(&at.name), LISTING)?;
    let mut dir = Dir::new(listing)?;
    let mut entries = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name == "." || name == ".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => kind_at(dir.fd()?, name)?,
            known => known,
        };
        entries.push(DirEntry {
            name: name.to_string_lossy().into_owned(),
            kind: file_kind(kind),
        });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// Creates the directory `at` names.
pub(super) fn make_dir(at: &Located) -> io::Result<()> {
    Ok(rustix::fs::mkdirat(
        &at.dir,
        at.name.as_os_str(),
        Mode::from_raw_mode(PERMISSION_BITS),
    )?)
}

/// Creates the directory `relative` beneath `anchor` and any of its
/// missing parents, one at a time; an existing directory is no error.
pub(super) fn make_dirs(anchor: BorrowedFd<'_>, relative: &Path) -> io::Result<()> {
    let mut dir = open_dir_beneath(anchor, Path::new(""), LOOKUP)?;
    let mut names = relative.components().peekable();
    while let Some(component) = names.next() {
        let name = Path::new(component.as_os_str());
        let next = match open_dir_beneath(dir.as_fd(), name, LOOKUP) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match rustix::fs::mkdirat(&dir, name, Mode::from_raw_mode(PERMISSION_BITS)) {
                    Ok(()) | Err(Errno::EXIST) => open_dir_beneath(dir.as_fd(), name, LOOKUP)?,
                    Err(errno) => return Err(errno.into()),
                }
            }
            // Node says a file where the directory should be exists.
            Err(e) if names.peek().is_none() && e.raw_os_error() == Some(ENOTDIR) => {
                return Err(Errno::EXIST.into());
            }
            other => other?,
        };
        dir = next;
    }
    Ok(())
}

/// Removes the file, link or empty directory `at` names (`rmdir` with
/// `directory`).
pub(super) fn remove(at: &Located, directory: bool) -> io::Result<()> {
    let flags = if directory {
        AtFlags::REMOVEDIR
    } else {
        AtFlags::empty()
    };
    Ok(rustix::fs::unlinkat(&at.dir, at.name.as_os_str(), flags)?)
}

/// Removes the directory `at` names and all it contains, stopping with
/// [`Refusal::Deadline`] once `deadline` has passed. No descriptor is held
/// per level: each directory is reopened from `at` (no link followed) to
/// go on with it, so any depth takes a bounded number of descriptors and no
/// stack; a directory swapped for a link meanwhile is refused, not entered.
pub(super) fn remove_tree(at: &Located, deadline: Instant) -> io::Result<()> {
    if at.name == "." {
        // The granted directory itself: `rmdir` of `.` fails, so say so
        // before emptying it.
        return Err(Errno::INVAL.into());
    }
    let top = PathBuf::from(&at.name);
    let mut current = top.clone();
    loop {
        if Instant::now() >= deadline {
            return Err(Refusal::Deadline.into());
        }
        let listing = open_dir_beneath(at.dir.as_fd(), &current, LISTING)?;
        match unlink_until_directory(Dir::new(listing)?, deadline)? {
            Some(child) => current.push(child),
            None => {
                let parent = current.parent().unwrap_or(Path::new(""));
                let parent = open_dir_beneath(at.dir.as_fd(), parent, LOOKUP)?;
                let name = current.file_name().unwrap_or_default();
                rustix::fs::unlinkat(&parent, name, AtFlags::REMOVEDIR)?;
                if current == top {
                    return Ok(());
                }
                current.pop();
            }
        }
    }
}

/// Unlinks `dir`'s entries up to its first subdirectory, whose name it
/// returns; `None` once `dir` is empty.
fn unlink_until_directory(mut dir: Dir, deadline: Instant) -> io::Result<Option<OsString>> {
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name == "." || name == ".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => kind_at(dir.fd()?, name)?,
            known => known,
        };
        if kind == FileType::Directory {
            return Ok(Some(name.to_owned()));
        }
        if Instant::now() >= deadline {
            return Err(Refusal::Deadline.into());
        }
        rustix::fs::unlinkat(dir.fd()?, name, AtFlags::empty())?;
    }
    Ok(None)
}

/// The kind of `name` in `dir`, a final link not followed.
pub(super) fn kind_at(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<FileType> {
    let stat = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok(FileType::from_raw_mode(stat.st_mode))
}

pub(super) fn file_kind(kind: FileType) -> FileKind {
    match kind {
        FileType::RegularFile => FileKind::File,
        FileType::Directory => FileKind::Directory,
        FileType::Symlink => FileKind::Symlink,
        _ => FileKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::beneath::{locate, open_anchor};
    use super::*;

    #[test]
    fn a_deep_tree_is_removed_without_following_links_and_the_deadline_stops_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let mut deep = root.join("top");
        for _ in 0..300 {
            deep.push("d");
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("file"), "x").unwrap();
        std::fs::write(root.join("kept"), "x").unwrap();
        std::os::unix::fs::symlink(&root, root.join("top/d/link")).unwrap();
        let anchor = open_anchor(&root).unwrap();
        let at = locate(anchor.as_fd(), Path::new("top")).unwrap();
        let error = remove_tree(&at, Instant::now()).unwrap_err();
        assert_eq!(Refusal::of(&error), Some(&Refusal::Deadline));
        assert!(deep.join("file").exists());
        remove_tree(&at, Instant::now() + Duration::from_secs(60)).unwrap();
        assert!(!root.join("top").exists());
        assert!(root.join("kept").exists());
        let at = locate(anchor.as_fd(), Path::new("")).unwrap();
        let error = remove_tree(&at, Instant::now() + Duration::from_secs(60)).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(Errno::INVAL.raw_os_error()));
        assert!(root.join("kept").exists());
    }
}
