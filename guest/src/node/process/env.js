// `process.env` over the host's `env` interface: `(native) => createEnv`.
//
// The object is a Proxy. Reading a variable asks the host, which checks
// the env grant and audits the decision: a granted name gives its value
// (or undefined when unset), any other name reads as undefined too, as an
// unset variable does in Node, so `in` and reads reveal nothing about
// variables outside the grant (the audit log records the refused read).
// Listing (`Object.keys`, spreading, `JSON.stringify`) shows only the
// variables that are both granted and set, so it never throws. The object
// inherits from Object.prototype as Node's does: names found there
// (`toString`, `constructor`...) and the protocol probes `toJSON` and
// `then` (JSON.stringify, await) resolve as on a plain object without
// asking the host, unless the script assigned them. Assigning
// and deleting change this run's view only, as in Node they change only
// the process's own environment; values are stored as strings.
(function env(native) {
  'use strict';
  // Looked up by JSON.stringify and by promise resolution on any object.
  const PROBES = ['toJSON', 'then'];
  const local = (name) => name in Object.prototype || PROBES.includes(name);

  return function createEnv() {
    const assigned = new Map();
    const deleted = new Set();
    const read = (name) => {
      if (assigned.has(name)) return assigned.get(name);
      if (deleted.has(name)) return undefined;
      if (local(name)) return Object.prototype[name];
      return native.get(name);
    };
    const names = () => {
      const all = new Set(native.names().filter((name) => !deleted.has(name)));
      for (const name of assigned.keys()) all.add(name);
      return [...all];
    };
    return new Proxy({}, {
      get: (target, name) => (typeof name === 'symbol' ? undefined : read(name)),
      has: (target, name) => typeof name === 'string' && read(name) !== undefined,
      set: (target, name, value) => {
        if (typeof name === 'symbol') return false;
        assigned.set(name, `${value}`);
        deleted.delete(name);
        return true;
      },
      deleteProperty: (target, name) => {
        if (typeof name === 'symbol') return true;
        assigned.delete(name);
        deleted.add(name);
        return true;
      },
      ownKeys: () => names(),
      getOwnPropertyDescriptor: (target, name) => {
        if (typeof name === 'symbol' || (local(name) && !assigned.has(name))) return undefined;
        const value = read(name);
        if (value === undefined) return undefined;
        return { value, writable: true, enumerable: true, configurable: true };
      },
      defineProperty: (target, name, descriptor) => {
        if (typeof name === 'symbol' || !('value' in descriptor)) return false;
        assigned.set(name, `${descriptor.value}`);
        deleted.delete(name);
        return true;
      },
    });
  };
})
