//! `jsbox:sandbox/fs`: the host's file system behind the read and write
//! grants.
//!
//! Every path-taking call goes through [`RunState::confine`]: the path
//! is resolved (`host/grants/path.rs`), the grants decide on the canonical
//! form (for a call that moves or removes a whole tree, no deny rule may
//! lie inside it either), the decision is audited, and the operation runs
//! beneath the granted directory that matched, by exactly the checked path:
//! no symbolic link is followed on the way there (`beneath.rs`), nor at the
//! final name (`at.rs`). A link swapped in between the check and the
//! operation, to a place outside the grant or to a denied subtree inside
//! it, or a dangling link, fails with `access-denied` and is audited.
//! `error.rs` gives every failure Node's shape.

mod at;
mod beneath;
mod error;

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::fs::FileType;
use rustix::io::Errno;
use wasmtime::Trap;
use wasmtime::component::Resource;

use self::beneath::Located;
use self::error::{LINK_REFUSED, Refusal, io_error};
use crate::capabilities::bindings::jsbox::sandbox::fs::{
    self, DirEntry, Error, ErrorCode, FileKind, Metadata, OpenFlags,
};
use crate::capabilities::grants::{self, Access, Denied};
use crate::capabilities::state::RunState;

/// Largest read one call returns, so that a guest asking for a huge read
/// cannot make the host allocate it.
const MAX_READ_BYTES: u64 = 4 << 20;

/// An open file: the `file` resource of the WIT interface.
pub struct OpenFile {
    file: std::fs::File,
}

/// A path the grants allowed: the granted directory (or its deepest
/// existing ancestor) opened, and the path beneath it.
struct Confined {
    anchor: OwnedFd,
    /// Normal components only; empty for the anchor itself.
    relative: PathBuf,
    /// The checked path.
    canonical: PathBuf,
}

impl Confined {
    /// The checked path's directory opened beneath the anchor, and its
    /// final name.
    fn locate(&self) -> std::io::Result<Located> {
        beneath::locate(self.anchor.as_fd(), &self.relative)
    }
}

type FsResult<T> = wasmtime::Result<Result<T, Error>>;

impl fs::Host for RunState {
    fn open(
        &mut self,
        path: String,
        options: OpenFlags,
        mode: u32,
    ) -> FsResult<Resource<OpenFile>> {
        self.count_host_call()?;
        let flags = options;
        let writes = flags.write || flags.append || flags.create || flags.truncate;
        let mut accesses = Vec::new();
        if flags.read || !writes {
            accesses.push(Access::Read);
        }
        if writes {
            accesses.push(Access::Write);
        }
        let target = Target {
            accesses: &accesses,
            reach: Reach::Path,
            follow_last: true,
        };
        let opened = self.confine("fs.open", target, &path).and_then(|c| {
            c.locate()
                .and_then(|at| at::open(&at, &flags, mode))
                .map_err(|e| io_error(e, "open", &path))
        });
        let access = if writes { Access::Write } else { Access::Read };
        match self.escaped("fs.open", access, &path, opened) {
            Ok(file) => Ok(Ok(self.table().push(OpenFile { file })?)),
            Err(error) => Ok(Err(error)),
        }
    }

    fn stat(&mut self, path: String) -> FsResult<Metadata> {
        let target = PathCall::new("fs.stat", "stat", Access::Read, &path);
        self.on_path(target, |c| Ok(metadata(&at::metadata(&c.locate()?, true)?)))
    }

    fn lstat(&mut self, path: String) -> FsResult<Metadata> {
        let target = PathCall::new("fs.lstat", "lstat", Access::Read, &path).no_follow();
        self.on_path(target, |c| {
            Ok(metadata(&at::metadata(&c.locate()?, false)?))
        })
    }

    fn access(&mut self, path: String, write: bool) -> FsResult<()> {
        let access = if write { Access::Write } else { Access::Read };
        let target = PathCall::new("fs.access", "access", access, &path);
        self.on_path(target, |c| at::metadata(&c.locate()?, true).map(drop))
    }

    fn readdir(&mut self, path: String) -> FsResult<Vec<DirEntry>> {
        let target = PathCall::new("fs.readdir", "scandir", Access::Read, &path);
        self.on_path(target, |c| at::read_dir(&c.locate()?))
    }

    fn mkdir(&mut self, path: String, recursive: bool) -> FsResult<()> {
        let target = PathCall::new("fs.mkdir", "mkdir", Access::Write, &path);
        self.on_path(target, |c| {
            if recursive {
                at::make_dirs(c.anchor.as_fd(), &c.relative)
            } else {
                at::make_dir(&c.locate()?)
            }
        })
    }

    fn rmdir(&mut self, path: String) -> FsResult<()> {
        let target = PathCall::new("fs.rmdir", "rmdir", Access::Write, &path).no_follow();
        self.on_path(target, |c| at::remove(&c.locate()?, true))
    }

    fn unlink(&mut self, path: String) -> FsResult<()> {
        let target = PathCall::new("fs.unlink", "unlink", Access::Write, &path).no_follow();
        self.on_path(target, |c| at::remove(&c.locate()?, false))
    }

    fn rm(&mut self, path: String, recursive: bool, force: bool) -> FsResult<()> {
        let mut target = PathCall::new("fs.rm", "rm", Access::Write, &path).no_follow();
        if recursive {
            // Removing a tree removes what a deny rule inside it keeps.
            target.reach = Reach::Tree;
        }
        let deadline = self.deadline;
        self.on_path(target, |c| {
            let at = c.locate()?;
            let result = match at::kind_at(at.dir.as_fd(), &at.name) {
                Ok(FileType::Directory) if recursive => at::remove_tree(&at, deadline),
                // Node's `rm` refuses a directory without `recursive`: EISDIR.
                Ok(FileType::Directory) => Err(Errno::ISDIR.into()),
                Ok(_) => at::remove(&at, false),
                Err(e) => Err(e),
            };
            match result {
                Err(e) if force && e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        })
    }

    fn rename(&mut self, from: String, to: String) -> FsResult<()> {
        self.count_host_call()?;
        // The source is carried with all it contains: it must be readable
        // (or a rename would read it out of a write-only or denied place)
        // and no deny rule may lie inside it. The destination, with what a
        // directory moved there brings, is written.
        let source = Target {
            accesses: &[Access::Read, Access::Write],
            reach: Reach::Tree,
            follow_last: false,
        };
        let destination = Target {
            accesses: &[Access::Write],
            reach: Reach::Tree,
            follow_last: false,
        };
        let source = self.confine("fs.rename", source, &from);
        let destination = self.confine("fs.rename", destination, &to);
        let result = source.and_then(|s| {
            let t = destination?;
            let moved = s.locate().and_then(|s| {
                let t = t.locate()?;
                Ok(rustix::fs::renameat(
                    &s.dir,
                    s.name.as_os_str(),
                    &t.dir,
                    t.name.as_os_str(),
                )?)
            });
            moved.map_err(|e| io_error(e, "rename", &from))
        });
        Ok(self.escaped("fs.rename", Access::Write, &from, result))
    }

    fn realpath(&mut self, path: String) -> FsResult<String> {
        let target = PathCall::new("fs.realpath", "realpath", Access::Read, &path);
        self.on_path(target, |c| {
            // The canonical path, once it is shown to exist as checked.
            at::metadata(&c.locate()?, true)?;
            Ok(c.canonical.to_string_lossy().into_owned())
        })
    }
}

impl fs::HostFile for RunState {
    fn read(&mut self, file: Resource<OpenFile>, length: u64) -> FsResult<Vec<u8>> {
        self.count_host_call()?;
        let open = self.table().get_mut(&file)?;
        let mut buffer = vec![0; length.min(MAX_READ_BYTES) as usize];
        Ok(match open.file.read(&mut buffer) {
            Ok(n) => {
                buffer.truncate(n);
                Ok(buffer)
            }
            Err(e) => Err(io_error(e, "read", "")),
        })
    }

    fn read_at(&mut self, file: Resource<OpenFile>, length: u64, offset: u64) -> FsResult<Vec<u8>> {
        self.count_host_call()?;
        let open = self.table().get(&file)?;
        let mut buffer = vec![0; length.min(MAX_READ_BYTES) as usize];
        Ok(match open.file.read_at(&mut buffer, offset) {
            Ok(n) => {
                buffer.truncate(n);
                Ok(buffer)
            }
            Err(e) => Err(io_error(e, "read", "")),
        })
    }

    fn write(&mut self, file: Resource<OpenFile>, data: Vec<u8>) -> FsResult<u64> {
        self.count_host_call()?;
        let open = self.table().get_mut(&file)?;
        Ok(open
            .file
            .write_all(&data)
            .map(|()| data.len() as u64)
            .map_err(|e| io_error(e, "write", "")))
    }

    fn write_at(&mut self, file: Resource<OpenFile>, data: Vec<u8>, offset: u64) -> FsResult<u64> {
        self.count_host_call()?;
        let open = self.table().get(&file)?;
        Ok(open
            .file
            .write_all_at(&data, offset)
            .map(|()| data.len() as u64)
            .map_err(|e| io_error(e, "write", "")))
    }

    fn stat(&mut self, file: Resource<OpenFile>) -> FsResult<Metadata> {
        self.count_host_call()?;
        let open = self.table().get(&file)?;
        Ok(open
            .file
            .metadata()
            .map(|meta| metadata(&meta))
            .map_err(|e| io_error(e, "fstat", "")))
    }

    fn set_len(&mut self, file: Resource<OpenFile>, size: u64) -> FsResult<()> {
        self.count_host_call()?;
        let open = self.table().get(&file)?;
        Ok(open
            .file
            .set_len(size)
            .map_err(|e| io_error(e, "ftruncate", "")))
    }

    fn sync(&mut self, file: Resource<OpenFile>) -> FsResult<()> {
        self.count_host_call()?;
        let open = self.table().get(&file)?;
        Ok(open.file.sync_all().map_err(|e| io_error(e, "fsync", "")))
    }

    fn drop(&mut self, file: Resource<OpenFile>) -> wasmtime::Result<()> {
        self.table().delete(file)?;
        Ok(())
    }
}

/// What a call needs of one path: the kinds of access, how much of the tree
/// there, and whether a final symbolic link is followed.
#[derive(Clone, Copy)]
struct Target<'a> {
    accesses: &'a [Access],
    reach: Reach,
    follow_last: bool,
}

/// How much of the file tree at a path an operation touches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The path alone.
    Path,
    /// The path and all below it: a deny rule there refuses the call.
    Tree,
}

/// A call on one path: what the audit log names it, the syscall its
/// errors name (as Node's do), the access it needs, how much of the tree
/// it touches, and whether a final symbolic link is followed.
struct PathCall<'a> {
    operation: &'static str,
    syscall: &'static str,
    access: Access,
    path: &'a str,
    reach: Reach,
    follow_last: bool,
}

impl<'a> PathCall<'a> {
    fn new(operation: &'static str, syscall: &'static str, access: Access, path: &'a str) -> Self {
        PathCall {
            operation,
            syscall,
            access,
            path,
            reach: Reach::Path,
            follow_last: true,
        }
    }

    /// Acts on a final symbolic link itself, not on what it points to.
    fn no_follow(self) -> Self {
        PathCall {
            follow_last: false,
            ..self
        }
    }
}

impl RunState {
    /// One call on one path: counted, confined to its grant (and audited
    /// there), then `operation` on the path beneath the granted directory,
    /// its I/O error in Node's shape. An operation that outlives the run's
    /// deadline ends the run as timed out.
    fn on_path<T>(
        &mut self,
        call: PathCall<'_>,
        operation: impl FnOnce(&Confined) -> std::io::Result<T>,
    ) -> FsResult<T> {
        self.count_host_call()?;
        let PathCall {
            operation: name,
            syscall,
            access,
            path,
            reach,
            follow_last,
        } = call;
        let target = Target {
            accesses: &[access],
            reach,
            follow_last,
        };
        let result = match self.confine(name, target, path) {
            Ok(confined) => match operation(&confined) {
                Ok(value) => Ok(value),
                Err(e) if Refusal::of(&e) == Some(&Refusal::Deadline) => {
                    return Err(Trap::Interrupt.into());
                }
                Err(e) => Err(io_error(e, syscall, path)),
            },
            Err(error) => Err(error),
        };
        Ok(self.escaped(name, access, path, result))
    }

    /// Passes `result` on, auditing it as denied if the operation refused a
    /// symbolic link the checked path did not have: only that makes an
    /// allowed operation fail with `access-denied`.
    fn escaped<T>(
        &mut self,
        operation: &'static str,
        access: Access,
        path: &str,
        result: Result<T, Error>,
    ) -> Result<T, Error> {
        if let Err(error) = &result
            && matches!(error.code, ErrorCode::AccessDenied)
            && error.message.starts_with(LINK_REFUSED)
        {
            let target = lexical(path).display().to_string();
            let denied = Denied {
                message: error.message.clone(),
                permission: format!("--allow-{access}={target}"),
            };
            let _ = self.decide(operation, access, &target, Err(denied));
        }
        result
    }

    /// Resolves `path`, lets the grants decide each access of `target` to
    /// it (audited), and opens the granted directory to work beneath.
    fn confine(
        &mut self,
        operation: &'static str,
        target: Target<'_>,
        path: &str,
    ) -> Result<Confined, Error> {
        let syscall = operation.trim_start_matches("fs.");
        // A path that cannot be resolved (`missing/../x`) is still judged,
        // by its lexical form, so that the error does not tell a script
        // what exists where it may not look.
        let (canonical, unresolved) = match grants::resolve(Path::new(path), target.follow_last) {
            Ok(canonical) => (canonical, None),
            Err(error) => (lexical(path), Some(error)),
        };
        let shown = canonical.display().to_string();
        let mut root: Option<PathBuf> = None;
        for &access in target.accesses {
            let decision = match target.reach {
                Reach::Path => self.grants.check_path(access, &canonical),
                Reach::Tree => self.grants.check_path_tree(access, &canonical),
            };
            let allowed = self
                .decide(operation, access, &shown, decision)
                .map_err(|denied| Error {
                    code: ErrorCode::AccessDenied,
                    message: denied.message,
                })?;
            // Every matched root contains the path, so the longest one is
            // inside all the others: confining to it satisfies them all.
            if let Some(granted) = allowed.root
                && root.as_ref().is_none_or(|r| granted.starts_with(r))
            {
                root = Some(granted);
            }
        }
        if let Some(error) = unresolved {
            return Err(io_error(error, syscall, path));
        }
        let root = root.unwrap_or_else(|| PathBuf::from("/"));
        // A granted directory that does not exist yet is worked beneath
        // from its deepest existing ancestor.
        let anchor = root
            .ancestors()
            .find(|dir| dir.symlink_metadata().is_ok_and(|meta| meta.is_dir()))
            .unwrap_or(Path::new("/"));
        let relative = canonical
            .strip_prefix(anchor)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let anchor = beneath::open_anchor(anchor).map_err(|e| io_error(e, syscall, path))?;
        Ok(Confined {
            anchor,
            relative,
            canonical,
        })
    }
}

/// `path` made absolute with `.` and `..` removed textually.
fn lexical(path: &str) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from("/"));
    let mut out = PathBuf::from("/");
    for component in absolute.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(name) => out.push(name),
            _ => {}
        }
    }
    out
}

fn millis(seconds: i64, nanos: i64) -> f64 {
    seconds as f64 * 1e3 + nanos as f64 / 1e6
}

fn since_epoch(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
        * 1e3
}

/// `meta` as the WIT record: a symbolic link only for `lstat`, whose final
/// link is not followed.
fn metadata(meta: &std::fs::Metadata) -> Metadata {
    use std::os::unix::fs::MetadataExt;
    let file_type = meta.file_type();
    let ctime = millis(meta.ctime(), meta.ctime_nsec());
    Metadata {
        kind: if file_type.is_symlink() {
            FileKind::Symlink
        } else if file_type.is_dir() {
            FileKind::Directory
        } else if file_type.is_file() {
            FileKind::File
        } else {
            FileKind::Other
        },
        size: meta.len(),
        mode: meta.mode(),
        nlink: meta.nlink(),
        uid: meta.uid(),
        gid: meta.gid(),
        ino: meta.ino(),
        dev: meta.dev(),
        atime_ms: millis(meta.atime(), meta.atime_nsec()),
        mtime_ms: millis(meta.mtime(), meta.mtime_nsec()),
        ctime_ms: ctime,
        birthtime_ms: meta.created().map_or(ctime, since_epoch),
    }
}
