//! `jsbox:sandbox/fs`: the host's file system behind the read and write
//! grants.
//!
//! Every path-taking call goes through [`SandboxState::confine`]: the path
//! is resolved (`host/grants/path.rs`), the grants decide on the canonical
//! form, the decision is audited, and the operation runs through a
//! `cap_std::fs::Dir` opened at the granted directory that matched, with
//! the path relative to it. cap-std resolves that relative path itself,
//! refusing to leave the directory, so a symbolic link swapped in between
//! the check and the operation (or a dangling one pointing out) fails
//! instead of escaping; the OS gives cap-std `openat2(RESOLVE_BENEATH)` on
//! Linux. What remains: a link swapped to another place *inside* the same
//! granted directory, e.g. into a subtree a deny rule covers, is followed.

use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use wasmtime::component::Resource;

use crate::bindings::jsbox::sandbox::fs::{
    self, DirEntry, Error, ErrorCode, FileKind, Metadata, OpenFlags,
};
use crate::grants::{self, Access, Denied};
use crate::state::SandboxState;

/// How an operation that cap-std kept inside the granted directory fails.
const ESCAPE: &str = "Requires access outside the granted directory";

/// Largest read one call returns, so that a guest asking for a huge read
/// cannot make the host allocate it.
const MAX_READ_BYTES: u64 = 4 << 20;

/// An open file: the `file` resource of the WIT interface.
pub struct OpenFile {
    file: std::fs::File,
}

/// A path the grants allowed: the directory to work in, and the path
/// relative to it.
struct Confined {
    dir: Dir,
    /// Where `dir` is.
    anchor: PathBuf,
    relative: PathBuf,
}

type FsResult<T> = wasmtime::Result<Result<T, Error>>;

impl fs::Host for SandboxState {
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
        let opened = self
            .confine_all("fs.open", &accesses, &path)
            .and_then(|confined| {
                let mut options = OpenOptions::new();
                options
                    .read(flags.read || !writes)
                    .write(flags.write)
                    .append(flags.append)
                    .truncate(flags.truncate)
                    .create(flags.create && !flags.exclusive)
                    .create_new(flags.create && flags.exclusive)
                    .mode(mode);
                let file = confined
                    .dir
                    .open_with(&confined.relative, &options)
                    .map_err(|e| io_error(e, "open", &path))?;
                Ok(file.into_std())
            });
        let access = if writes { Access::Write } else { Access::Read };
        match self.escaped("fs.open", access, &path, opened) {
            Ok(file) => Ok(Ok(self.table().push(OpenFile { file })?)),
            Err(error) => Ok(Err(error)),
        }
    }

    fn stat(&mut self, path: String) -> FsResult<Metadata> {
        let target = PathCall::new("fs.stat", "stat", Access::Read, &path);
        self.on_path(target, |c| {
            c.dir.metadata(&c.relative).map(|meta| cap_metadata(&meta))
        })
    }

    fn lstat(&mut self, path: String) -> FsResult<Metadata> {
        let target = PathCall::new("fs.lstat", "lstat", Access::Read, &path).no_follow();
        self.on_path(target, |c| {
            c.dir
                .symlink_metadata(&c.relative)
                .map(|meta| cap_metadata(&meta))
        })
    }

    fn access(&mut self, path: String, write: bool) -> FsResult<()> {
        let access = if write { Access::Write } else { Access::Read };
        let target = PathCall::new("fs.access", "access", access, &path);
        self.on_path(target, |c| c.dir.metadata(&c.relative).map(drop))
    }

    fn readdir(&mut self, path: String) -> FsResult<Vec<DirEntry>> {
        let target = PathCall::new("fs.readdir", "scandir", Access::Read, &path);
        self.on_path(target, |c| {
            let mut entries = Vec::new();
            for entry in c.dir.read_dir(&c.relative)? {
                let entry = entry?;
                entries.push(DirEntry {
                    name: entry.file_name().to_string_lossy().into_owned(),
                    kind: entry.file_type().map_or(FileKind::Other, |t| kind(&t)),
                });
            }
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(entries)
        })
    }

    fn mkdir(&mut self, path: String, recursive: bool) -> FsResult<()> {
        let target = PathCall::new("fs.mkdir", "mkdir", Access::Write, &path);
        self.on_path(target, |c| {
            if recursive {
                c.dir.create_dir_all(&c.relative)
            } else {
                c.dir.create_dir(&c.relative)
            }
        })
    }

    fn rmdir(&mut self, path: String) -> FsResult<()> {
        let target = PathCall::new("fs.rmdir", "rmdir", Access::Write, &path).no_follow();
        self.on_path(target, |c| c.dir.remove_dir(&c.relative))
    }

    fn unlink(&mut self, path: String) -> FsResult<()> {
        let target = PathCall::new("fs.unlink", "unlink", Access::Write, &path).no_follow();
        self.on_path(target, |c| c.dir.remove_file(&c.relative))
    }

    fn rm(&mut self, path: String, recursive: bool, force: bool) -> FsResult<()> {
        let target = PathCall::new("fs.rm", "rm", Access::Write, &path).no_follow();
        self.on_path(target, |c| {
            let result = match c.dir.symlink_metadata(&c.relative) {
                Ok(meta) if meta.is_dir() && recursive => c.dir.remove_dir_all(&c.relative),
                // Node's `rm` refuses a directory without `recursive`: EISDIR.
                Ok(meta) if meta.is_dir() => Err(std::io::Error::from_raw_os_error(21)),
                Ok(_) => c.dir.remove_file(&c.relative),
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
        let source = self.confine("fs.rename", Access::Write, &from, false);
        let target = self.confine("fs.rename", Access::Write, &to, false);
        let result = source.and_then(|s| {
            let t = target?;
            s.dir
                .rename(&s.relative, &t.dir, &t.relative)
                .map_err(|e| io_error(e, "rename", &from))
        });
        Ok(self.escaped("fs.rename", Access::Write, &from, result))
    }

    fn realpath(&mut self, path: String) -> FsResult<String> {
        let target = PathCall::new("fs.realpath", "realpath", Access::Read, &path);
        self.on_path(target, |c| {
            // cap-std resolves inside the directory and answers relative
            // to it.
            let inside = c.dir.canonicalize(&c.relative)?;
            Ok(c.anchor.join(inside).to_string_lossy().into_owned())
        })
    }
}

impl fs::HostFile for SandboxState {
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
            .map(|meta| std_metadata(&meta))
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

/// A call on one path: what the audit log names it, the syscall its
/// errors name (as Node's do), the access it needs, and whether a final
/// symbolic link is followed.
struct PathCall<'a> {
    operation: &'static str,
    syscall: &'static str,
    access: Access,
    path: &'a str,
    follow_last: bool,
}

impl<'a> PathCall<'a> {
    fn new(operation: &'static str, syscall: &'static str, access: Access, path: &'a str) -> Self {
        PathCall {
            operation,
            syscall,
            access,
            path,
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

impl SandboxState {
    /// One call on one path: counted, confined to its grant (and audited
    /// there), then `operation` on the path inside the granted directory,
    /// its I/O error in Node's shape.
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
            follow_last,
        } = call;
        let result = self
            .confine(name, access, path, follow_last)
            .and_then(|c| operation(&c).map_err(|e| io_error(e, syscall, path)));
        Ok(self.escaped(name, access, path, result))
    }

    /// Passes `result` on, auditing it as denied if cap-std refused to
    /// leave the granted directory (a link that changed after the check,
    /// or a dangling one pointing out): only that makes an allowed
    /// operation fail with `access-denied`.
    fn escaped<T>(
        &mut self,
        operation: &'static str,
        access: Access,
        path: &str,
        result: Result<T, Error>,
    ) -> Result<T, Error> {
        if let Err(error) = &result
            && matches!(error.code, ErrorCode::AccessDenied)
            && error.message.starts_with(ESCAPE)
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

    /// Resolves `path`, lets the grants decide `access` to it (audited),
    /// and opens the granted directory to work in.
    fn confine(
        &mut self,
        operation: &'static str,
        access: Access,
        path: &str,
        follow_last: bool,
    ) -> Result<Confined, Error> {
        let accesses = [access];
        self.confine_with(operation, &accesses, path, follow_last)
    }

    /// [`confine`](Self::confine) for several kinds of access at once
    /// (opening for reading and writing); a final link is followed.
    fn confine_all(
        &mut self,
        operation: &'static str,
        accesses: &[Access],
        path: &str,
    ) -> Result<Confined, Error> {
        self.confine_with(operation, accesses, path, true)
    }

    fn confine_with(
        &mut self,
        operation: &'static str,
        accesses: &[Access],
        path: &str,
        follow_last: bool,
    ) -> Result<Confined, Error> {
        let syscall = operation.trim_start_matches("fs.");
        // A path that cannot be resolved (`missing/../x`) is still judged,
        // by its lexical form, so that the error does not tell a script
        // what exists where it may not look.
        let (canonical, unresolved) = match grants::resolve(Path::new(path), follow_last) {
            Ok(canonical) => (canonical, None),
            Err(error) => (lexical(path), Some(error)),
        };
        let target = canonical.display().to_string();
        let mut root: Option<PathBuf> = None;
        for &access in accesses {
            let decision = self.grants.check_path(access, &canonical);
            let allowed = self
                .decide(operation, access, &target, decision)
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
        // A granted directory that does not exist yet is worked in from
        // its deepest existing ancestor.
        let anchor = root
            .ancestors()
            .find(|dir| dir.is_dir())
            .unwrap_or(Path::new("/"));
        let dir = Dir::open_ambient_dir(anchor, ambient_authority())
            .map_err(|e| io_error(e, syscall, path))?;
        let relative = canonical
            .strip_prefix(anchor)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let relative = if relative.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            relative
        };
        Ok(Confined {
            dir,
            anchor: anchor.to_path_buf(),
            relative,
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

/// An I/O error as Node reports it: `ENOENT: no such file or directory,
/// open '/x'`.
fn io_error(error: std::io::Error, syscall: &str, path: &str) -> Error {
    // cap-std reports a path that would lead out of its directory as
    // PermissionDenied without an OS error: a link swapped or pointing
    // outside the grant.
    if error.kind() == std::io::ErrorKind::PermissionDenied && error.raw_os_error().is_none() {
        return Error {
            code: ErrorCode::AccessDenied,
            message: format!("{ESCAPE}, {syscall} '{path}'"),
        };
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
        _ if error.kind() == std::io::ErrorKind::NotFound => {
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

fn kind(file_type: &cap_std::fs::FileType) -> FileKind {
    if file_type.is_symlink() {
        FileKind::Symlink
    } else if file_type.is_dir() {
        FileKind::Directory
    } else if file_type.is_file() {
        FileKind::File
    } else {
        FileKind::Other
    }
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

fn cap_metadata(meta: &cap_std::fs::Metadata) -> Metadata {
    use cap_std::fs::MetadataExt;
    let ctime = millis(meta.ctime(), meta.ctime_nsec());
    Metadata {
        kind: kind(&meta.file_type()),
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
        birthtime_ms: meta.created().map_or(ctime, |t| since_epoch(t.into_std())),
    }
}

fn std_metadata(meta: &std::fs::Metadata) -> Metadata {
    use std::os::unix::fs::MetadataExt;
    let file_type = meta.file_type();
    let ctime = millis(meta.ctime(), meta.ctime_nsec());
    Metadata {
        kind: if file_type.is_dir() {
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
