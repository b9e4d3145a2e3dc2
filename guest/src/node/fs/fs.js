// `node:fs` on the host's `fs` interface (the natives in mod.rs here),
// behind the run's read and write grants.
//
// Sync forms do the work; callback forms run it in a promise job and call
// back with `(err, result)`; `fs.promises` is `node:fs/promises`. Paths
// are strings, Buffers or `file:` URLs; relative paths resolve against the
// host process's working directory (the CLI's), whatever `process.cwd()`
// says. Errors carry Node's `code`, `errno`, `syscall` and `path`; a path
// the grants refuse throws `ERR_ACCESS_DENIED` naming the flag that would
// allow it. Provided: open/close/read/write/fstat/ftruncate/fsync,
// readFile/writeFile/appendFile, exists, stat/lstat (Stats with the is*()
// predicates, sizes, modes and Date times), access, readdir (names or
// Dirents with `withFileTypes`), mkdir (`recursive`), rmdir, rm
// (`recursive`, `force`), unlink, rename, realpath, copyFile, truncate,
// createReadStream (`start`, `end`, `highWaterMark`, `encoding`) and
// createWriteStream (`flags`, `start`), constants.
// Divergences: no symlink/link/readlink, chmod/chown/utimes, watch,
// mkdtemp, opendir or cp; `mkdir` with `recursive` returns undefined, not
// the first directory made; the callback forms are not concurrent (each
// call blocks the run while the host works); `Stats` has no `blksize` or
// `blocks`.
(function fs(builtin, internal) {
  'use strict';

  const native = internal.native.fs;
  const { Buffer } = builtin('buffer');
  const { Readable, Writable } = builtin('stream');

  const ERRNO = {
    ENOENT: -2, EACCES: -13, EPERM: -1, EEXIST: -17, ENOTDIR: -20, EISDIR: -21,
    ENOTEMPTY: -39, EINVAL: -22, EBADF: -9, ELOOP: -40, EXDEV: -18, ENAMETOOLONG: -36, EIO: -5,
  };
  // Linux's values, which Node reports on Linux.
  const constants = Object.freeze({
    F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
    O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 0o100, O_EXCL: 0o200, O_TRUNC: 0o1000,
    O_APPEND: 0o2000,
    S_IFMT: 0o170000, S_IFREG: 0o100000, S_IFDIR: 0o40000, S_IFLNK: 0o120000,
    COPYFILE_EXCL: 1,
  });
  // The bits `native.open` takes.
  const READ = 1, WRITE = 2, APPEND = 4, CREATE = 8, EXCLUSIVE = 16, TRUNCATE = 32;
  const FLAGS = {
    r: READ, rs: READ, sr: READ, 'r+': READ | WRITE, 'rs+': READ | WRITE, 'sr+': READ | WRITE,
    w: WRITE | CREATE | TRUNCATE, wx: WRITE | CREATE | TRUNCATE | EXCLUSIVE,
    xw: WRITE | CREATE | TRUNCATE | EXCLUSIVE,
    'w+': READ | WRITE | CREATE | TRUNCATE, 'wx+': READ | WRITE | CREATE | TRUNCATE | EXCLUSIVE,
    'xw+': READ | WRITE | CREATE | TRUNCATE | EXCLUSIVE,
    a: APPEND | CREATE, ax: APPEND | CREATE | EXCLUSIVE, xa: APPEND | CREATE | EXCLUSIVE,
    as: APPEND | CREATE, sa: APPEND | CREATE,
    'a+': READ | APPEND | CREATE, 'ax+': READ | APPEND | CREATE | EXCLUSIVE,
    'xa+': READ | APPEND | CREATE | EXCLUSIVE, 'as+': READ | APPEND | CREATE, 'sa+': READ | APPEND | CREATE,
  };
  const CHUNK = 4 * 1024 * 1024;

  const invalidArg = (name, expected, value) => {
    const error = new TypeError(`The "${name}" argument must be ${expected}. Received ${typeof value}`);
    error.code = 'ERR_INVALID_ARG_TYPE';
    return error;
  };

  const toWellFormed = String.prototype.toWellFormed;

  function toPath(path, name = 'path') {
    // A lone surrogate becomes U+FFFD, as Node's UTF-8 conversion of a path
    // does; the host then decides on that path like any other.
    if (typeof path === 'string') return Reflect.apply(toWellFormed, path, []);
    if (Buffer.isBuffer(path)) return path.toString();
    if (path instanceof URL) {
      if (path.protocol !== 'file:') {
        const error = new TypeError('The URL must be of scheme file');
        error.code = 'ERR_INVALID_URL_SCHEME';
        throw error;
      }
      return decodeURIComponent(path.pathname);
    }
    throw invalidArg(name, 'of type string or an instance of Buffer or URL', path);
  }

  // Calls a native, giving its error Node's `errno`, `syscall` and `path`.
  function call(syscall, path, fn, dest) {
    try {
      return fn();
    } catch (error) {
      if (error !== null && typeof error === 'object' && typeof error.code === 'string') {
        if (Object.hasOwn(ERRNO, error.code)) {
          error.errno = ERRNO[error.code];
          error.syscall = syscall;
        }
        if (path !== undefined) error.path = path;
        if (dest !== undefined) error.dest = dest;
      }
      throw error;
    }
  }

  function parseFlags(flags, fallback) {
    if (flags === undefined || flags === null) return FLAGS[fallback];
    if (typeof flags === 'number') {
      let bits = (flags & 3) === 0 ? READ : (flags & 3) === 1 ? WRITE : READ | WRITE;
      if (flags & constants.O_CREAT) bits |= CREATE;
      if (flags & constants.O_EXCL) bits |= EXCLUSIVE;
      if (flags & constants.O_TRUNC) bits |= TRUNCATE;
      if (flags & constants.O_APPEND) bits = (bits & ~WRITE) | APPEND;
      return bits;
    }
    if (Object.hasOwn(FLAGS, flags)) return FLAGS[flags];
    const error = new TypeError(`The value "${flags}" is invalid for option "flags"`);
    error.code = 'ERR_INVALID_ARG_VALUE';
    throw error;
  }

  const options = (value, defaults) =>
    typeof value === 'string' ? { ...defaults, encoding: value } : { ...defaults, ...(value ?? {}) };

  const bytesOf = (data, encoding) => {
    if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw invalidArg('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  };

  class Stats {
    constructor(meta) {
      this.dev = meta.dev;
      this.mode = meta.mode;
      this.nlink = meta.nlink;
      this.uid = meta.uid;
      this.gid = meta.gid;
      this.rdev = 0;
      this.ino = meta.ino;
      this.size = meta.size;
      this.atimeMs = meta.atimeMs;
      this.mtimeMs = meta.mtimeMs;
      this.ctimeMs = meta.ctimeMs;
      this.birthtimeMs = meta.birthtimeMs;
      this.atime = new Date(meta.atimeMs);
      this.mtime = new Date(meta.mtimeMs);
      this.ctime = new Date(meta.ctimeMs);
      this.birthtime = new Date(meta.birthtimeMs);
      Object.defineProperty(this, 'kind', { value: meta.kind });
    }
    isFile() { return this.kind === 'file'; }
    isDirectory() { return this.kind === 'directory'; }
    isSymbolicLink() { return this.kind === 'symlink'; }
    isFIFO() { return (this.mode & constants.S_IFMT) === 0o10000; }
    isSocket() { return (this.mode & constants.S_IFMT) === 0o140000; }
    isBlockDevice() { return (this.mode & constants.S_IFMT) === 0o60000; }
    isCharacterDevice() { return (this.mode & constants.S_IFMT) === 0o20000; }
  }

  class Dirent {
    constructor(name, kind, parentPath) {
      this.name = name;
      this.parentPath = parentPath;
      this.path = parentPath;
      Object.defineProperty(this, 'kind', { value: kind });
    }
    isFile() { return this.kind === 'file'; }
    isDirectory() { return this.kind === 'directory'; }
    isSymbolicLink() { return this.kind === 'symlink'; }
    isFIFO() { return false; }
    isSocket() { return false; }
    isBlockDevice() { return false; }
    isCharacterDevice() { return false; }
  }

  // ---------------------------------------------------------------- sync

  function openSync(path, flags, mode = 0o666) {
    const file = toPath(path);
    return call('open', file, () => native.open(file, parseFlags(flags, 'r'), mode));
  }

  function closeSync(fd) {
    call('close', undefined, () => native.close(fd));
  }

  // readSync(fd, buffer, offset?, length?, position?) or
  // readSync(fd, buffer, { offset, length, position }).
  function readSync(fd, buffer, offsetOrOptions, length, position) {
    let offset = offsetOrOptions;
    if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') {
      ({ offset, length, position } = offsetOrOptions);
    }
    offset ??= 0;
    length ??= buffer.byteLength - offset;
    if (length === 0) return 0;
    const chunk = call('read', undefined, () => native.read(fd, length, position ?? -1));
    const bytes = new Uint8Array(chunk);
    new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).set(bytes, offset);
    return bytes.length;
  }

  // writeSync(fd, buffer, offset?, length?, position?) or
  // writeSync(fd, string, position?, encoding?).
  function writeSync(fd, data, offsetOrPosition, lengthOrEncoding, position) {
    let bytes;
    let at;
    if (typeof data === 'string') {
      bytes = Buffer.from(data, lengthOrEncoding ?? 'utf8');
      at = offsetOrPosition;
    } else {
      const view = bytesOf(data);
      const offset = offsetOrPosition ?? 0;
      const length = lengthOrEncoding ?? view.byteLength - offset;
      bytes = view.subarray(offset, offset + length);
      at = position;
    }
    return call('write', undefined, () => native.write(fd, bytes, at ?? -1));
  }

  const fstatSync = (fd) => new Stats(call('fstat', undefined, () => native.fstat(fd)));
  const ftruncateSync = (fd, length = 0) => call('ftruncate', undefined, () => native.ftruncate(fd, length));
  const fsyncSync = (fd) => call('fsync', undefined, () => native.fsync(fd));
  const fdatasyncSync = fsyncSync;

  // The whole rest of an open file.
  function readAll(fd) {
    const chunks = [];
    for (;;) {
      const chunk = call('read', undefined, () => native.read(fd, CHUNK, -1));
      if (chunk.byteLength === 0) break;
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  function readFileSync(path, opts) {
    const { encoding, flag } = options(opts, { encoding: null, flag: 'r' });
    const isFd = typeof path === 'number';
    const fd = isFd ? path : openSync(path, flag);
    try {
      const bytes = readAll(fd);
      return encoding ? bytes.toString(encoding) : bytes;
    } finally {
      if (!isFd) closeSync(fd);
    }
  }

  function writeAll(fd, bytes) {
    let written = 0;
    while (written < bytes.byteLength) {
      written += writeSync(fd, bytes, written, Math.min(CHUNK, bytes.byteLength - written));
    }
  }

  function writeFileSync(path, data, opts) {
    const { encoding, flag, mode } = options(opts, { encoding: 'utf8', flag: 'w', mode: 0o666 });
    const isFd = typeof path === 'number';
    const fd = isFd ? path : openSync(path, flag, mode);
    try {
      writeAll(fd, bytesOf(data, encoding));
    } finally {
      if (!isFd) closeSync(fd);
    }
  }

  function appendFileSync(path, data, opts) {
    writeFileSync(path, data, options(opts, { encoding: 'utf8', flag: 'a', mode: 0o666 }));
  }

  function existsSync(path) {
    try {
      native.access(toPath(path), false);
      return true;
    } catch {
      return false;
    }
  }

  function statSync(path, opts) {
    const file = toPath(path);
    try {
      return new Stats(call('stat', file, () => native.stat(file)));
    } catch (error) {
      if (opts?.throwIfNoEntry === false && error.code === 'ENOENT') return undefined;
      throw error;
    }
  }

  function lstatSync(path, opts) {
    const file = toPath(path);
    try {
      return new Stats(call('lstat', file, () => native.lstat(file)));
    } catch (error) {
      if (opts?.throwIfNoEntry === false && error.code === 'ENOENT') return undefined;
      throw error;
    }
  }

  function accessSync(path, mode = constants.F_OK) {
    const file = toPath(path);
    call('access', file, () => native.access(file, (mode & constants.W_OK) !== 0));
  }

  function readdirSync(path, opts) {
    const file = toPath(path);
    const { withFileTypes, encoding } = options(opts, { withFileTypes: false, encoding: 'utf8' });
    const entries = call('scandir', file, () => native.readdir(file));
    if (withFileTypes) return entries.map(([name, kind]) => new Dirent(name, kind, file));
    return entries.map(([name]) => (encoding === 'buffer' ? Buffer.from(name) : name));
  }

  function mkdirSync(path, opts) {
    const file = toPath(path);
    const recursive = typeof opts === 'object' && opts !== null ? Boolean(opts.recursive) : false;
    call('mkdir', file, () => native.mkdir(file, recursive));
  }

  function rmdirSync(path) {
    const file = toPath(path);
    call('rmdir', file, () => native.rmdir(file));
  }

  function rmSync(path, opts) {
    const file = toPath(path);
    const { recursive, force } = options(opts, { recursive: false, force: false });
    call('rm', file, () => native.rm(file, Boolean(recursive), Boolean(force)));
  }

  function unlinkSync(path) {
    const file = toPath(path);
    call('unlink', file, () => native.unlink(file));
  }

  function renameSync(oldPath, newPath) {
    const from = toPath(oldPath, 'oldPath');
    const to = toPath(newPath, 'newPath');
    call('rename', from, () => native.rename(from, to), to);
  }

  function realpathSync(path) {
    const file = toPath(path);
    return call('realpath', file, () => native.realpath(file));
  }
  realpathSync.native = realpathSync;

  function copyFileSync(src, dest, mode = 0) {
    const data = readFileSync(src);
    writeFileSync(dest, data, { flag: mode & constants.COPYFILE_EXCL ? 'wx' : 'w' });
  }

  function truncateSync(path, length = 0) {
    if (typeof path === 'number') return ftruncateSync(path, length);
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, length);
    } finally {
      closeSync(fd);
    }
  }

  // --------------------------------------------------------------- streams

  class ReadStream extends Readable {
    constructor(path, opts) {
      const o = options(opts, {});
      super({ highWaterMark: o.highWaterMark ?? 64 * 1024, encoding: o.encoding, signal: o.signal });
      this.path = path === null || path === undefined ? undefined : toPath(path);
      this.fd = o.fd ?? null;
      this.flags = o.flags ?? 'r';
      this.mode = o.mode ?? 0o666;
      this.start = o.start;
      this.end = o.end ?? Infinity;
      this.pos = o.start;
      this.bytesRead = 0;
      this.autoClose = o.autoClose ?? true;
      this.pending = true;
    }

    _construct(callback) {
      try {
        if (this.fd === null) this.fd = openSync(this.path, this.flags, this.mode);
        this.pending = false;
        callback();
        this.emit('open', this.fd);
        this.emit('ready');
      } catch (error) {
        callback(error);
      }
    }

    _read(size) {
      const remaining = this.end === Infinity ? size : this.end - (this.pos ?? this.bytesRead) + 1;
      const length = Math.min(size, remaining);
      if (length <= 0) {
        this.push(null);
        return;
      }
      let chunk;
      try {
        chunk = new Uint8Array(call('read', undefined, () => native.read(this.fd, length, this.pos ?? -1)));
      } catch (error) {
        this.destroy(error);
        return;
      }
      if (this.pos !== undefined) this.pos += chunk.length;
      this.bytesRead += chunk.length;
      this.push(chunk.length === 0 ? null : Buffer.from(chunk.buffer, 0, chunk.length));
    }

    _destroy(error, callback) {
      if (this.fd !== null && this.autoClose) {
        try {
          closeSync(this.fd);
        } catch (closeError) {
          error ??= closeError;
        }
        this.fd = null;
      }
      callback(error);
    }

    close(callback) {
      if (typeof callback === 'function') this.once('close', callback);
      this.destroy();
    }
  }

  class WriteStream extends Writable {
    constructor(path, opts) {
      const o = options(opts, {});
      super({ highWaterMark: o.highWaterMark, decodeStrings: true, signal: o.signal });
      this.path = path === null || path === undefined ? undefined : toPath(path);
      this.fd = o.fd ?? null;
      this.flags = o.flags ?? 'w';
      this.mode = o.mode ?? 0o666;
      this.start = o.start;
      this.pos = o.start;
      this.bytesWritten = 0;
      this.autoClose = o.autoClose ?? true;
      this.pending = true;
    }

    _construct(callback) {
      ReadStream.prototype._construct.call(this, callback);
    }

    _write(chunk, encoding, callback) {
      try {
        const bytes = bytesOf(chunk, encoding);
        let written = 0;
        while (written < bytes.byteLength) {
          written += writeSync(this.fd, bytes, written, bytes.byteLength - written, this.pos);
          if (this.pos !== undefined) this.pos = this.start + this.bytesWritten + written;
        }
        this.bytesWritten += written;
        callback();
      } catch (error) {
        callback(error);
      }
    }

    _destroy(error, callback) {
      ReadStream.prototype._destroy.call(this, error, callback);
    }

    close(callback) {
      if (typeof callback === 'function') this.once('close', callback);
      this.end();
    }
  }

  const createReadStream = (path, opts) => new ReadStream(path, opts);
  const createWriteStream = (path, opts) => new WriteStream(path, opts);

  // ------------------------------------------------------------- callbacks

  // The callback form of `sync`: the work runs in a promise job, then
  // `callback(err, result)`; an exception the callback throws is an
  // unhandled rejection, which ends the run as Node's would.
  function callbackForm(name, sync, spread = (result) => [result]) {
    const form = {
      [name](...args) {
        const callback = args.pop();
        if (typeof callback !== 'function') throw invalidArg('cb', 'of type function', callback);
        Promise.resolve()
          .then(() => sync(...args))
          .then(
            (result) => ({ ok: true, result }),
            (error) => ({ ok: false, error }),
          )
          .then((settled) => {
            if (settled.ok) callback(null, ...spread(settled.result, args));
            else callback(settled.error);
          });
      },
    };
    return form[name];
  }

  const sync = {
    openSync, closeSync, readSync, writeSync, fstatSync, ftruncateSync, fsyncSync, fdatasyncSync,
    readFileSync, writeFileSync, appendFileSync, existsSync, statSync, lstatSync, accessSync,
    readdirSync, mkdirSync, rmdirSync, rmSync, unlinkSync, renameSync, realpathSync,
    copyFileSync, truncateSync,
  };
  const callbacks = {};
  for (const [name, fn] of Object.entries(sync)) {
    if (name === 'existsSync') continue;
    const base = name.slice(0, -4);
    callbacks[base] = callbackForm(base, fn);
  }
  callbacks.read = callbackForm('read', readSync, (bytesRead, args) => [bytesRead, args[1]]);
  callbacks.write = callbackForm('write', writeSync, (written, args) => [written, args[1]]);
  callbacks.exists = function exists(path, callback) {
    Promise.resolve().then(() => callback(existsSync(path)));
  };

  return {
    ...sync,
    ...callbacks,
    constants,
    ...constants,
    Stats,
    Dirent,
    ReadStream,
    WriteStream,
    createReadStream,
    createWriteStream,
    get promises() {
      return builtin('fs/promises');
    },
  };
})
