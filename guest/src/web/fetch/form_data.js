// `FormData` (XHR §5).
//
// Entries are kept in insertion order; values are strings (USVStrings) or
// `File`s — a `Blob` value becomes a `File` named `blob` (or the given
// file name), and a `File` with a file name given is copied under that name.
// `set` replaces the first entry of a name in place and drops the others.
// Divergences: there are no HTML forms, so the constructor accepts no
// arguments (a form element argument is a TypeError).
(function formData(internal) {
  'use strict';

  const { File } = globalThis;

  function toEntry(name, value, rest) {
    name = internal.toUSVString(name);
    if (internal.isBlob(value)) {
      const fileName = rest.length > 0 ? internal.toUSVString(rest[0]) : undefined;
      if (!internal.isFile(value) || fileName !== undefined) {
        const options = { type: value.type };
        if (internal.isFile(value)) options.lastModified = value.lastModified;
        value = new File([value], fileName ?? (internal.isFile(value) ? value.name : 'blob'), options);
      }
      return [name, value];
    }
    if (rest.length > 0) {
      throw new TypeError('FormData: a file name is only allowed with a Blob value');
    }
    return [name, internal.toUSVString(value)];
  }

  class FormData {
    #entries = [];

    constructor(form = undefined) {
      if (form !== undefined) {
        throw new TypeError('FormData: there are no HTML forms to read entries from');
      }
    }

    append(name, value, ...rest) {
      this.#entries.push(toEntry(name, value, rest));
    }

    delete(name) {
      name = internal.toUSVString(name);
      this.#entries = this.#entries.filter(([n]) => n !== name);
    }

    get(name) {
      name = internal.toUSVString(name);
      return this.#entries.find(([n]) => n === name)?.[1] ?? null;
    }

    getAll(name) {
      name = internal.toUSVString(name);
      return this.#entries.filter(([n]) => n === name).map(([, v]) => v);
    }

    has(name) {
      name = internal.toUSVString(name);
      return this.#entries.some(([n]) => n === name);
    }

    set(name, value, ...rest) {
      const entry = toEntry(name, value, rest);
      const index = this.#entries.findIndex(([n]) => n === entry[0]);
      if (index === -1) {
        this.#entries.push(entry);
      } else {
        this.#entries[index] = entry;
        this.#entries = this.#entries.filter(([n], i) => i <= index || n !== entry[0]);
      }
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') {
        throw new TypeError('FormData.forEach: the callback is not a function');
      }
      for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
    }

    *entries() {
      // Live, as WebIDL iterators are: entries added during iteration show.
      for (let i = 0; i < this.#entries.length; i++) yield [...this.#entries[i]];
    }

    *keys() {
      for (const [name] of this.entries()) yield name;
    }

    *values() {
      for (const [, value] of this.entries()) yield value;
    }

    static {
      internal.formDataEntries = (formData) => formData.#entries;
      internal.isFormData = (value) => typeof value === 'object' && value !== null && #entries in value;
    }
  }

  Object.defineProperty(FormData.prototype, Symbol.iterator, {
    value: FormData.prototype.entries,
    writable: true,
    configurable: true,
  });
  internal.brand(FormData);
  internal.defineGlobals({ FormData });
})
