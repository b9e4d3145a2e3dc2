// The `console` global, formatted like Node's. `emit(level, message)` hands
// one formatted message to the host's `log` import.
//
// `inspect` follows Node's util.inspect defaults (depth 2, strings quoted
// inside objects, `[Circular *1]`, `Map(1) { 'a' => 1 }`, 100 array items,
// entries broken onto lines past 72 columns, `util.inspect.custom`).
// Divergences: no colors, no getters shown, and line breaking follows a
// simpler rule than Node's (one entry per line when the single-line form is
// too long; Node also groups short array items into columns).
(function installConsole(emit) {
  'use strict';
  const LEVELS = { log: 'info', info: 'info', debug: 'debug', warn: 'warn', error: 'error' };
  const BREAK_LENGTH = 72;
  const MAX_ARRAY_ITEMS = 100;
  const MAX_DEPTH = 2;
  const TYPED_ARRAYS = [
    Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  ];
  const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
  const CUSTOM_INSPECT = Symbol.for('nodejs.util.inspect.custom');

  // A lone surrogate inside a quoted string prints as its escape, as in Node.
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

  function quote(string) {
    const q = !string.includes("'") ? "'" : !string.includes('"') ? '"' : !string.includes('`') ? '`' : "'";
    const escaped = string.replace(/[\\\n\r\t\b\f\v\0]/g, (c) => ({
      '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\0': '\\x00',
    })[c]).replace(LONE_SURROGATE, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
    return q + (q === "'" ? escaped.replace(/'/g, "\\'") : escaped) + q;
  }

  function formatKey(key) {
    if (typeof key === 'symbol') return `[${key.toString()}]`;
    return IDENTIFIER.test(key) ? key : quote(key);
  }

  function formatPrimitive(value, nested) {
    switch (typeof value) {
      case 'string': return nested ? quote(value) : value;
      case 'number': return Object.is(value, -0) ? '-0' : String(value);
      case 'bigint': return `${value}n`;
      case 'symbol': return value.toString();
      case 'undefined': return 'undefined';
      default: return String(value);
    }
  }

  function functionLabel(fn) {
    const source = Function.prototype.toString.call(fn);
    const kind = source.startsWith('class') ? 'class' : fn.constructor && fn.constructor.name !== 'Function'
      ? fn.constructor.name : 'Function';
    if (kind === 'class') return `[class ${fn.name || '(anonymous)'}]`;
    return fn.name ? `[${kind}: ${fn.name}]` : `[${kind} (anonymous)]`;
  }

  function formatError(error) {
    const header = error.message ? `${error.name}: ${error.message}` : String(error.name);
    return error.stack ? `${header}\n${String(error.stack).replace(/\s+$/, '')}` : `[${header}]`;
  }

  /**
   * What Node prints after an error's stack: its own enumerable properties,
   * then `[cause]` and an AggregateError's `[errors]` when not enumerable,
   * as ` {\n  code: 'X',\n  [cause]: ...\n}`; '' when there are none. A
   * `name` or `message` the stack already shows is left out, as in Node.
   */
  function errorProperties(error, text, format, indent) {
    const keys = Reflect.ownKeys(error).filter((k) => Object.prototype.propertyIsEnumerable.call(error, k)
      && !(k === 'stack' || ((k === 'name' || k === 'message') && typeof error[k] === 'string' && text.includes(error[k]))));
    const hidden = [];
    if ('cause' in error && !keys.includes('cause')) hidden.push('cause');
    if (Array.isArray(error.errors) && !keys.includes('errors')) hidden.push('errors');
    if (keys.length === 0 && hidden.length === 0) return '';
    const pad = ' '.repeat(indent + 2);
    const entries = [
      ...keys.map((k) => `${formatKey(k)}: ${format(error[k], indent + 2)}`),
      ...hidden.map((k) => `[${k}]: ${format(error[k], indent + 2)}`),
    ];
    return ` {\n${pad}${entries.join(`,\n${pad}`)}\n${' '.repeat(indent)}}`;
  }

  /** Joins entries on one line, or one per line when too long. */
  function wrapEntries(prefix, open, entries, close, indent, breakLength) {
    if (entries.length === 0) return `${prefix}${open}${close}`;
    const single = `${prefix}${open} ${entries.join(', ')} ${close}`;
    if (single.length <= breakLength && !entries.some((e) => e.includes('\n'))) return single;
    const pad = ' '.repeat(indent + 2);
    return `${prefix}${open}\n${pad}${entries.join(`,\n${pad}`)}\n${' '.repeat(indent)}${close}`;
  }

  /**
   * `options` (all optional, as in Node): `depth`, `compact` (only `false`,
   * which puts every entry on its own line, is told apart), `breakLength`,
   * `sorted`, `maxArrayLength`, `customInspect` (calls a value's
   * `[Symbol.for('nodejs.util.inspect.custom')](depth, options, inspect)`).
   */
  function inspect(value, options) {
    const seen = [];
    const circular = new Map();
    const option = (name, fallback) => (options && options[name] !== undefined ? options[name] : fallback);
    const depthLimit = option('depth', MAX_DEPTH) === null ? Infinity : option('depth', MAX_DEPTH);
    const breakLength = option('compact', 3) === false ? -1 : option('breakLength', BREAK_LENGTH);
    const sorted = option('sorted', false);
    const maxItems = option('maxArrayLength', MAX_ARRAY_ITEMS) === null ? Infinity : option('maxArrayLength', MAX_ARRAY_ITEMS);
    const customInspect = option('customInspect', true);
    const wrap = (prefix, open, entries, close, indent) => wrapEntries(prefix, open, entries, close, indent, breakLength);

    function format(v, depth, indent) {
      if (v === null) return 'null';
      if (typeof v !== 'object' && typeof v !== 'function') return formatPrimitive(v, true);
      if (customInspect) {
        const custom = v[CUSTOM_INSPECT];
        if (typeof custom === 'function' && custom !== inspect) {
          const result = Reflect.apply(custom, v, [depthLimit - depth, { ...options }, inspect]);
          if (result !== v) return typeof result === 'string' ? result : format(result, depth, indent);
        }
      }
      if (typeof v === 'function' && depth > 0) return functionLabel(v);
      if (seen.includes(v)) {
        if (!circular.has(v)) circular.set(v, circular.size + 1);
        return `[Circular *${circular.get(v)}]`;
      }
      seen.push(v);
      try {
        const text = formatObject(v, depth, indent);
        return circular.has(v) ? `<ref *${circular.get(v)}> ${text}` : text;
      } finally {
        seen.pop();
      }
    }

    function ownEntries(v, depth, indent, skip) {
      const keys = Reflect.ownKeys(v).filter((k) => !skip(k) && Object.prototype.propertyIsEnumerable.call(v, k));
      if (sorted) keys.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
      return keys.map((k) => `${formatKey(k)}: ${format(v[k], depth + 1, indent + 2)}`);
    }

    function formatObject(v, depth, indent) {
      if (typeof v === 'function') {
        const extra = ownEntries(v, depth, indent, (k) => k === 'prototype');
        return extra.length ? wrap('', functionLabel(v) + ' {', extra, '}', indent) : functionLabel(v);
      }
      if (v instanceof Error) {
        // Nested errors are indented as a whole, their stack included.
        const text = formatError(v).replace(/\n/g, `\n${' '.repeat(indent)}`);
        return text + errorProperties(v, text, (value, at) => format(value, depth + 1, at), indent);
      }
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      if (v instanceof RegExp) return String(v);
      if (v instanceof Number || v instanceof String || v instanceof Boolean) {
        return `[${v.constructor.name}: ${formatPrimitive(v.valueOf(), true)}]`;
      }
      if (v instanceof Promise) return 'Promise { <unknown> }';
      if (v instanceof WeakMap || v instanceof WeakSet) return `${v.constructor.name} { <items unknown> }`;
      const tooDeep = depth > depthLimit;
      if (Array.isArray(v)) {
        if (tooDeep) return '[Array]';
        const items = [];
        for (let i = 0; i < Math.min(v.length, maxItems); i++) {
          items.push(i in v ? format(v[i], depth + 1, indent + 2) : '<1 empty item>');
        }
        if (v.length > maxItems) items.push(`... ${v.length - maxItems} more items`);
        items.push(...ownEntries(v, depth, indent, (k) => k === 'length' || String(k >>> 0) === k));
        const prefix = v.constructor !== Array && v.constructor ? `${v.constructor.name}(${v.length}) ` : '';
        return wrap(prefix, '[', items, ']', indent);
      }
      const typed = TYPED_ARRAYS.find((T) => v instanceof T);
      if (typed) {
        if (tooDeep) return `[${typed.name}]`;
        const items = Array.from(v.subarray(0, maxItems), (n) => formatPrimitive(n, true));
        if (v.length > maxItems) items.push(`... ${v.length - maxItems} more items`);
        return wrap(`${typed.name}(${v.length}) `, '[', items, ']', indent);
      }
      if (v instanceof ArrayBuffer) {
        const bytes = Array.from(new Uint8Array(v, 0, Math.min(v.byteLength, 50)), (b) => b.toString(16).padStart(2, '0'));
        const more = v.byteLength > 50 ? ` ... ${v.byteLength - 50} more bytes` : '';
        return `ArrayBuffer { [Uint8Contents]: <${bytes.join(' ')}${more}>, byteLength: ${v.byteLength} }`;
      }
      if (v instanceof Map) {
        if (tooDeep) return '[Map]';
        const items = [...v].map(([k, val]) => `${format(k, depth + 1, indent + 2)} => ${format(val, depth + 1, indent + 2)}`);
        return wrap(`Map(${v.size}) `, '{', items, '}', indent);
      }
      if (v instanceof Set) {
        if (tooDeep) return '[Set]';
        return wrap(`Set(${v.size}) `, '{', [...v].map((x) => format(x, depth + 1, indent + 2)), '}', indent);
      }
      const proto = Object.getPrototypeOf(v);
      const name = proto === null ? '[Object: null prototype]'
        : proto.constructor && proto.constructor !== Object ? proto.constructor.name : '';
      const tag = v[Symbol.toStringTag];
      const label = tag && tag !== name ? `${name || 'Object'} [${tag}]` : name;
      if (tooDeep) return `[${label || 'Object'}]`;
      return wrap(label ? `${label} ` : '', '{', ownEntries(v, depth, indent, () => false), '}', indent);
    }

    return format(value, 0, 0);
  }

  /** Node's util.format: printf-style substitutions, then the rest inspected. */
  function format(args) {
    if (args.length === 0) return '';
    const first = args[0];
    let rest = 1;
    let out = '';
    if (typeof first === 'string' && args.length > 1) {
      out = first.replace(/%([sdifjoOc%])/g, (match, spec) => {
        if (spec === '%') return '%';
        if (rest >= args.length) return match;
        const arg = args[rest++];
        switch (spec) {
          case 's': return typeof arg === 'string' ? arg : typeof arg === 'bigint' ? `${arg}n`
            : typeof arg === 'object' && arg !== null ? inspect(arg, { depth: 1 }) : formatPrimitive(arg, false);
          case 'd': return typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'symbol' ? 'NaN' : formatPrimitive(Number(arg), false);
          case 'i': return typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'symbol' ? 'NaN' : String(parseInt(arg, 10));
          case 'f': return typeof arg === 'symbol' ? 'NaN' : String(parseFloat(arg));
          case 'j': try { return JSON.stringify(arg); } catch { return '[Circular]'; }
          case 'o': case 'O': return inspect(arg, { depth: spec === 'o' ? 4 : MAX_DEPTH });
          default: return ''; // %c: CSS, ignored as in Node
        }
      });
    } else {
      out = typeof first === 'string' ? first : inspect(first);
    }
    for (; rest < args.length; rest++) {
      const arg = args[rest];
      out += ' ' + (typeof arg === 'string' ? arg : inspect(arg));
    }
    return out;
  }

  let groupIndent = '';
  const counts = new Map();
  const timers = new Map();
  const write = (level, message) => {
    emit(level, groupIndent ? message.replace(/^/gm, groupIndent) : message);
  };

  const console = {};
  for (const [method, level] of Object.entries(LEVELS)) {
    console[method] = { [method](...args) { write(level, format(args)); } }[method];
  }
  Object.assign(console, {
    trace(...args) {
      const stack = new Error().stack.split('\n').slice(1).join('\n');
      write('error', `Trace${args.length ? ': ' + format(args) : ''}\n${stack}`.replace(/\s+$/, ''));
    },
    assert(condition, ...args) {
      if (condition) return;
      write('error', args.length ? `Assertion failed: ${format(args)}` : 'Assertion failed');
    },
    dir(value, options) { write('info', inspect(value, options)); },
    dirxml(...args) { write('info', format(args)); },
    count(label = 'default') {
      const n = (counts.get(String(label)) || 0) + 1;
      counts.set(String(label), n);
      write('info', `${label}: ${n}`);
    },
    countReset(label = 'default') { counts.delete(String(label)); },
    time(label = 'default') {
      if (timers.has(String(label))) write('warn', `Warning: Label '${label}' already exists for console.time()`);
      else timers.set(String(label), performance.now());
    },
    timeLog(label = 'default', ...data) { elapsed('timeLog', label, data, false); },
    timeEnd(label = 'default') { elapsed('timeEnd', label, [], true); },
    group(...label) {
      if (label.length) write('info', format(label));
      groupIndent += '  ';
    },
    groupEnd() { groupIndent = groupIndent.slice(2); },
    table(data, columns) { write('info', typeof data === 'object' && data !== null ? table(data, columns) : format([data])); },
  });
  console.groupCollapsed = console.group;

  function elapsed(method, label, data, end) {
    const start = timers.get(String(label));
    if (start === undefined) {
      write('warn', `Warning: No such label '${label}' for console.${method}()`);
      return;
    }
    if (end) timers.delete(String(label));
    const ms = performance.now() - start;
    const shown = ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
    write('info', [`${label}: ${shown}`, ...data.map((d) => (typeof d === 'string' ? d : inspect(d)))].join(' '));
  }

  /** A table cell: strings quoted, objects shallow. */
  const cell = (value) => (typeof value === 'string' ? quote(value) : inspect(value, { depth: 0 }));

  /** Node's (20) box-drawn table of an array or object of rows. */
  function table(data, columns) {
    const indexHeader = '(index)';
    const valuesHeader = 'Values';
    const rows = Object.keys(data).map((key) => [key, data[key]]);
    const keys = [];
    let hasValues = false;
    for (const [, row] of rows) {
      if (row !== null && typeof row === 'object') {
        for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
      } else {
        hasValues = true;
      }
    }
    const shownKeys = columns ? columns.map(String) : keys;
    const header = [indexHeader, ...shownKeys, ...(hasValues ? [valuesHeader] : [])];
    const body = rows.map(([index, row]) => {
      const isObject = row !== null && typeof row === 'object';
      const cells = shownKeys.map((k) => (isObject && k in row ? cell(row[k]) : ''));
      return [index, ...cells, ...(hasValues ? [isObject ? '' : cell(row)] : [])];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)) + 2);
    const pad = (text, width) => ` ${text}${' '.repeat(width - text.length - 1)}`;
    const line = (l, m, r) => l + widths.map((w) => '─'.repeat(w)).join(m) + r;
    const row = (cells) => '│' + cells.map((c, i) => pad(c, widths[i])).join('│') + '│';
    return [line('┌', '┬', '┐'), row(header), line('├', '┼', '┤'), ...body.map(row), line('└', '┴', '┘')].join('\n');
  }

  Object.defineProperty(globalThis, 'console', { value: console, writable: true, configurable: true });
  /**
   * For an uncaught error (js_error.rs): the properties block Node prints
   * after its stack, formatted as `inspect` would, or ''.
   */
  function uncaughtDetails(error) {
    const text = formatError(error);
    const inspected = inspect(error);
    return inspected.startsWith(text) ? inspected.slice(text.length) : '';
  }

  return { inspect, format, uncaughtDetails };
})
