// `node:fs/promises`: the promise forms of `node:fs` and `FileHandle`.
//
// Each function does the sync work of `node:fs` in a promise job, so its
// errors reject (with the same codes) instead of throwing. `FileHandle`
// has `fd`, `read`, `write`, `readFile`, `writeFile`, `appendFile`,
// `stat`, `truncate`, `sync`, `datasync`, `close`, `createReadStream`,
// `createWriteStream` and `Symbol.asyncDispose`.
// Divergences: as in `node:fs` (the host call blocks the run while it
// works); no `opendir`, `watch`, `readlink`, `symlink`, `chmod`, `cp`.
(function fsPromises(builtin) {
  'use strict';

  const fs = builtin('fs');
  const { Buffer } = builtin('buffer');

  const later = (fn) => (...args) => Promise.resolve().then(() => fn(...args));

  class FileHandle {
    #fd;

    constructor(fd) {
      this.#fd = fd;
    }

    get fd() {
      return this.#fd;
    }

    #open() {
      if (this.#fd === -1) {
        const error = new Error('file closed');
        error.code = 'EBADF';
        error.syscall = 'read';
        throw error;
      }
      return this.#fd;
    }

    async read(buffer, offset, length, position) {
      if (!ArrayBuffer.isView(buffer)) {
        ({ buffer = Buffer.alloc(16384), offset, length, position } = buffer ?? {});
      }
      offset ??= 0;
      length ??= buffer.byteLength - offset;
      const bytesRead = fs.readSync(this.#open(), buffer, offset, length, position);
      return { bytesRead, buffer };
    }

    async write(data, ...rest) {
      const bytesWritten = fs.writeSync(this.#open(), data, ...rest);
      return { bytesWritten, buffer: data };
    }

    async readFile(options) {
      return fs.readFileSync(this.#open(), options);
    }

    async writeFile(data, options) {
      return fs.writeFileSync(this.#open(), data, options);
    }

    async appendFile(data, options) {
      return fs.writeFileSync(this.#open(), data, options);
    }

    async stat() {
      return fs.fstatSync(this.#open());
    }

    async truncate(length = 0) {
      return fs.ftruncateSync(this.#open(), length);
    }

    async sync() {
      return fs.fsyncSync(this.#open());
    }

    async datasync() {
      return fs.fsyncSync(this.#open());
    }

    createReadStream(options) {
      return fs.createReadStream(null, { ...options, fd: this.#open() });
    }

    createWriteStream(options) {
      return fs.createWriteStream(null, { ...options, fd: this.#open() });
    }

    async close() {
      if (this.#fd === -1) return;
      const fd = this.#fd;
      this.#fd = -1;
      fs.closeSync(fd);
    }

    async [Symbol.asyncDispose]() {
      return this.close();
    }
  }

  return {
    open: later((path, flags, mode) => new FileHandle(fs.openSync(path, flags, mode))),
    readFile: later((path, options) =>
      path instanceof FileHandle ? path.readFile(options) : fs.readFileSync(path, options)),
    writeFile: later((path, data, options) =>
      path instanceof FileHandle ? path.writeFile(data, options) : fs.writeFileSync(path, data, options)),
    appendFile: later(fs.appendFileSync),
    stat: later(fs.statSync),
    lstat: later(fs.lstatSync),
    access: later(fs.accessSync),
    readdir: later(fs.readdirSync),
    mkdir: later(fs.mkdirSync),
    rmdir: later(fs.rmdirSync),
    rm: later(fs.rmSync),
    unlink: later(fs.unlinkSync),
    rename: later(fs.renameSync),
    realpath: later(fs.realpathSync),
    copyFile: later(fs.copyFileSync),
    truncate: later(fs.truncateSync),
    constants: fs.constants,
    FileHandle,
  };
})
