//! `node:fs` (`fs.js`) and `node:fs/promises` (`promises.js`), and the
//! natives they stand on: Rust functions over the `fs` import, behind the
//! run's read and write grants.
//!
//! The natives convert the import's results to plain JS values (bytes as
//! `ArrayBuffer`s, records as plain objects) and are reachable from no
//! global, only as `internal.native.fs`. A refused or failed call throws
//! an `Error` whose `code` is the host's (`ENOENT`, `ERR_ACCESS_DENIED`...);
//! `fs.js` adds Node's `errno`, `syscall` and `path`. Open files are kept
//! in a table and named to JS by integer file descriptors starting at 3,
//! as Node's are; the table is empty in the snapshot.

use std::cell::RefCell;
use std::collections::BTreeMap;

use javy::quickjs::{Array, ArrayBuffer, Ctx, Function, Object, Result, TypedArray, prelude::Opt};

use crate::js_error::throw;
use crate::jsbox::sandbox::fs::{self, ErrorCode, File, FileKind, Metadata, OpenFlags};

/// Bits of `open`'s flags argument, as `fs.js` encodes them.
const READ: u32 = 1;
const WRITE: u32 = 2;
const APPEND: u32 = 4;
const CREATE: u32 = 8;
const EXCLUSIVE: u32 = 16;
const TRUNCATE: u32 = 32;

thread_local! {
    static FILES: RefCell<Files> = const { RefCell::new(Files { next: 3, open: BTreeMap::new() }) };
}

struct Files {
    next: i32,
    open: BTreeMap<i32, File>,
}

/// The natives object.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("open", Function::new(ctx.clone(), open)?)?;
    native.set("close", Function::new(ctx.clone(), close)?)?;
    native.set("read", Function::new(ctx.clone(), read)?)?;
    native.set("write", Function::new(ctx.clone(), write)?)?;
    native.set("fstat", Function::new(ctx.clone(), fstat)?)?;
    native.set("ftruncate", Function::new(ctx.clone(), ftruncate)?)?;
    native.set("fsync", Function::new(ctx.clone(), fsync)?)?;
    native.set("stat", Function::new(ctx.clone(), stat)?)?;
    native.set("lstat", Function::new(ctx.clone(), lstat)?)?;
    native.set("access", Function::new(ctx.clone(), access)?)?;
    native.set("readdir", Function::new(ctx.clone(), readdir)?)?;
    native.set("mkdir", Function::new(ctx.clone(), mkdir)?)?;
    native.set("rmdir", Function::new(ctx.clone(), rmdir)?)?;
    native.set("unlink", Function::new(ctx.clone(), unlink)?)?;
    native.set("rm", Function::new(ctx.clone(), rm)?)?;
    native.set("rename", Function::new(ctx.clone(), rename)?)?;
    native.set("realpath", Function::new(ctx.clone(), realpath)?)?;
    Ok(native)
}

fn error(ctx: &Ctx<'_>, error: fs::Error) -> javy::quickjs::Error {
    let code = match error.code {
        ErrorCode::AccessDenied => "ERR_ACCESS_DENIED",
        ErrorCode::Enoent => "ENOENT",
        ErrorCode::Eacces => "EACCES",
        ErrorCode::Eperm => "EPERM",
        ErrorCode::Eexist => "EEXIST",
        ErrorCode::Enotdir => "ENOTDIR",
        ErrorCode::Eisdir => "EISDIR",
        ErrorCode::Enotempty => "ENOTEMPTY",
        ErrorCode::Einval => "EINVAL",
        ErrorCode::Ebadf => "EBADF",
        ErrorCode::Eloop => "ELOOP",
        ErrorCode::Exdev => "EXDEV",
        ErrorCode::Enametoolong => "ENAMETOOLONG",
        ErrorCode::Eio => "EIO",
    };
    throw(ctx, code, &error.message)
}

fn bad_fd(ctx: &Ctx<'_>, syscall: &str) -> javy::quickjs::Error {
    throw(
        ctx,
        "EBADF",
        &format!("EBADF: bad file descriptor, {syscall}"),
    )
}

/// Runs `f` on the open file `fd`.
fn with_file<T>(
    ctx: &Ctx<'_>,
    fd: i32,
    syscall: &str,
    f: impl FnOnce(&File) -> std::result::Result<T, fs::Error>,
) -> Result<T> {
    FILES.with(|files| {
        let files = files.borrow();
        let file = files.open.get(&fd).ok_or_else(|| bad_fd(ctx, syscall))?;
        f(file).map_err(|e| error(ctx, e))
    })
}

fn open(ctx: Ctx<'_>, path: String, flags: u32, mode: u32) -> Result<i32> {
    let options = OpenFlags {
        read: flags & READ != 0,
        write: flags & WRITE != 0,
        append: flags & APPEND != 0,
        create: flags & CREATE != 0,
        exclusive: flags & EXCLUSIVE != 0,
        truncate: flags & TRUNCATE != 0,
    };
    let file = fs::open(&path, options, mode).map_err(|e| error(&ctx, e))?;
    Ok(FILES.with(|files| {
        let mut files = files.borrow_mut();
        let fd = files.next;
        files.next += 1;
        files.open.insert(fd, file);
        fd
    }))
}

fn close(ctx: Ctx<'_>, fd: i32) -> Result<()> {
    FILES
        .with(|files| files.borrow_mut().open.remove(&fd))
        .map(drop)
        .ok_or_else(|| bad_fd(&ctx, "close"))
}

/// Reads up to `length` bytes at `position`, or at the file's position
/// when `position` is negative or absent.
fn read<'js>(ctx: Ctx<'js>, fd: i32, length: f64, position: Opt<f64>) -> Result<ArrayBuffer<'js>> {
    let length = length.max(0.0) as u64;
    let bytes = with_file(&ctx, fd, "read", |file| match position.0 {
        Some(at) if at >= 0.0 => file.read_at(length, at as u64),
        _ => file.read(length),
    })?;
    ArrayBuffer::new(ctx, bytes)
}

/// Writes `data` at `position`, or at the file's position when `position`
/// is negative or absent; returns the bytes written.
fn write(ctx: Ctx<'_>, fd: i32, data: TypedArray<'_, u8>, position: Opt<f64>) -> Result<f64> {
    let bytes = data.as_bytes().unwrap_or_default().to_vec();
    let written = with_file(&ctx, fd, "write", |file| match position.0 {
        Some(at) if at >= 0.0 => file.write_at(&bytes, at as u64),
        _ => file.write(&bytes),
    })?;
    Ok(written as f64)
}

fn fstat<'js>(ctx: Ctx<'js>, fd: i32) -> Result<Object<'js>> {
    let meta = with_file(&ctx, fd, "fstat", File::stat)?;
    metadata(&ctx, &meta)
}

fn ftruncate(ctx: Ctx<'_>, fd: i32, size: f64) -> Result<()> {
    with_file(&ctx, fd, "ftruncate", |file| {
        file.set_len(size.max(0.0) as u64)
    })
}

fn fsync(ctx: Ctx<'_>, fd: i32) -> Result<()> {
    with_file(&ctx, fd, "fsync", File::sync)
}

fn stat<'js>(ctx: Ctx<'js>, path: String) -> Result<Object<'js>> {
    let meta = fs::stat(&path).map_err(|e| error(&ctx, e))?;
    metadata(&ctx, &meta)
}

fn lstat<'js>(ctx: Ctx<'js>, path: String) -> Result<Object<'js>> {
    let meta = fs::lstat(&path).map_err(|e| error(&ctx, e))?;
    metadata(&ctx, &meta)
}

fn access(ctx: Ctx<'_>, path: String, write: bool) -> Result<()> {
    fs::access(&path, write).map_err(|e| error(&ctx, e))
}

/// `[[name, kind], ...]`.
fn readdir<'js>(ctx: Ctx<'js>, path: String) -> Result<Array<'js>> {
    let entries = fs::readdir(&path).map_err(|e| error(&ctx, e))?;
    let array = Array::new(ctx.clone())?;
    for (i, entry) in entries.into_iter().enumerate() {
        let pair = Array::new(ctx.clone())?;
        pair.set(0, entry.name)?;
        pair.set(1, kind_name(entry.kind))?;
        array.set(i, pair)?;
    }
    Ok(array)
}

fn mkdir(ctx: Ctx<'_>, path: String, recursive: bool) -> Result<()> {
    fs::mkdir(&path, recursive).map_err(|e| error(&ctx, e))
}

fn rmdir(ctx: Ctx<'_>, path: String) -> Result<()> {
    fs::rmdir(&path).map_err(|e| error(&ctx, e))
}

fn unlink(ctx: Ctx<'_>, path: String) -> Result<()> {
    fs::unlink(&path).map_err(|e| error(&ctx, e))
}

fn rm(ctx: Ctx<'_>, path: String, recursive: bool, force: bool) -> Result<()> {
    fs::rm(&path, recursive, force).map_err(|e| error(&ctx, e))
}

fn rename(ctx: Ctx<'_>, old_path: String, new_path: String) -> Result<()> {
    fs::rename(&old_path, &new_path).map_err(|e| error(&ctx, e))
}

fn realpath(ctx: Ctx<'_>, path: String) -> Result<String> {
    fs::realpath(&path).map_err(|e| error(&ctx, e))
}

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::File => "file",
        FileKind::Directory => "directory",
        FileKind::Symlink => "symlink",
        FileKind::Other => "other",
    }
}

fn metadata<'js>(ctx: &Ctx<'js>, meta: &Metadata) -> Result<Object<'js>> {
    let object = Object::new(ctx.clone())?;
    object.set("kind", kind_name(meta.kind))?;
    object.set("size", meta.size as f64)?;
    object.set("mode", meta.mode)?;
    object.set("nlink", meta.nlink as f64)?;
    object.set("uid", meta.uid)?;
    object.set("gid", meta.gid)?;
    object.set("ino", meta.ino as f64)?;
    object.set("dev", meta.dev as f64)?;
    object.set("atimeMs", meta.atime_ms)?;
    object.set("mtimeMs", meta.mtime_ms)?;
    object.set("ctimeMs", meta.ctime_ms)?;
    object.set("birthtimeMs", meta.birthtime_ms)?;
    Ok(object)
}
