//! The Rust-backed web globals (`guest/src/web/<api>/` with a `mod.rs`): text encoding,
//! base64, URL, `structuredClone` and `crypto`. Expected values come from
//! the WHATWG/HTML/Web Crypto standards and their test suites.

use jsbox::Script;

use crate::support;

/// Helpers every script may use: `thrown(f)` is `'Constructor:name'` of
/// what `f` throws; `hex(buffer)` the lowercase hex of an `ArrayBuffer` or
/// view; `bytes(view)` the bytes as a plain array.
const PRELUDE: &str = r#"
function thrown(f) {
  try { f(); return 'no throw'; } catch (e) { return `${e.constructor.name}:${e.name}`; }
}
const hex = (b) => Array.from(new Uint8Array(b.buffer ?? b, b.byteOffset ?? 0, b.byteLength),
  (x) => x.toString(16).padStart(2, '0')).join('');
const bytes = (v) => Array.from(v);
"#;

/// Runs `source` (after [`PRELUDE`]) as a script and returns what it logged,
/// asserting it completed.
fn logs(source: &str) -> Vec<String> {
    support::logs(&Script::new("test.js", format!("{PRELUDE}\n{source}")))
}

/// The completion value of `source` (after [`PRELUDE`]) as JSON.
fn value(source: &str) -> String {
    support::value(&Script::new("test.js", format!("{PRELUDE}\n{source}")))
}

// ---------------------------------------------------------------- encoding

#[test]
fn text_encoder_encodes_utf8_and_replaces_lone_surrogates() {
    assert_eq!(
        value(
            "const e = new TextEncoder();
             [e.encoding, bytes(e.encode('a€😀')), bytes(e.encode('\\uD800x')), bytes(e.encode()),
              e.encode('x') instanceof Uint8Array, Object.prototype.toString.call(e)]"
        ),
        r#"["utf-8",[97,226,130,172,240,159,152,128],[239,191,189,120],[],true,"[object TextEncoder]"]"#
    );
}

#[test]
fn encode_into_writes_only_whole_characters_that_fit() {
    assert_eq!(
        value(
            "const e = new TextEncoder();
             const out = [];
             for (const [s, n] of [['a😀b', 3], ['a😀b', 5], ['a😀b', 6], ['€€', 4], ['', 2]]) {
               const dest = new Uint8Array(n + 2).fill(0xff);
               const view = dest.subarray(1, n + 1);
               const r = e.encodeInto(s, view);
               out.push([r.read, r.written, bytes(dest)]);
             }
             out.push(thrown(() => e.encodeInto('x', new Int8Array(2))));
             out"
        ),
        // Bytes past `written` keep their 0xff.
        "[[1,1,[255,97,255,255,255]],[3,5,[255,97,240,159,152,128,255]],\
         [4,6,[255,97,240,159,152,128,98,255]],[1,3,[255,226,130,172,255,255]],[0,0,[255,255,255,255]],\
         \"TypeError:TypeError\"]"
    );
}

#[test]
fn text_decoder_matches_utf8_labels_and_refuses_unknown_ones() {
    // Other encodings' labels are in `web::encoding`.
    assert_eq!(
        value(
            "[new TextDecoder().encoding, new TextDecoder(' UTF8\\n').encoding,
              new TextDecoder('unicode-1-1-utf-8').encoding, new TextDecoder('x-unicode20utf8').encoding,
              thrown(() => new TextDecoder('utf-9')), thrown(() => new TextDecoder('iso-2022-kr')),
              thrown(() => new TextDecoder('utf-8', 5)),
              new TextDecoder('utf-8', { fatal: 1 }).fatal, new TextDecoder().ignoreBOM]"
        ),
        r#"["utf-8","utf-8","utf-8","utf-8","RangeError:RangeError","RangeError:RangeError","TypeError:TypeError",true,false]"#
    );
}

#[test]
fn text_decoder_replaces_maximal_subparts_or_throws_when_fatal() {
    assert_eq!(
        value(
            "const d = new TextDecoder();
             const f = new TextDecoder('utf-8', { fatal: true });
             const cases = [[0x61, 0xF0, 0x9F, 0x41], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xE2, 0x82],
                            [0xF4, 0x90, 0x80, 0x80], [0x7F, 0xC2, 0xA9]];
             [cases.map((c) => escape(d.decode(new Uint8Array(c)))),
              cases.map((c) => thrown(() => f.decode(new Uint8Array(c)))),
              f.decode(new Uint8Array([0xE2, 0x82, 0xAC]))]"
        ),
        r#"[["a%uFFFDA","%uFFFD%uFFFD","%uFFFD%uFFFD%uFFFD","%uFFFD","%uFFFD","%uFFFD%uFFFD%uFFFD%uFFFD","%7F%A9"],["TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","no throw"],"€"]"#
    );
}

#[test]
fn text_decoder_streams_split_sequences() {
    assert_eq!(
        value(
            "const d = new TextDecoder();
             const parts = [[0xF0], [0x9F, 0x98], [0x80, 0xE2], [0x82], [0xAC]]
               .map((p) => d.decode(new Uint8Array(p), { stream: true }));
             parts.push(d.decode());
             // An incomplete sequence at the end of the stream is one U+FFFD.
             parts.push(d.decode(new Uint8Array([0xE2, 0x82]), { stream: true }), escape(d.decode()));
             // A fatal decoder throws at the end of the stream, not before.
             const f = new TextDecoder('utf-8', { fatal: true });
             parts.push(f.decode(new Uint8Array([0xE2]), { stream: true }), thrown(() => f.decode()));
             parts.push(f.decode(new Uint8Array([0x61])));
             parts"
        ),
        r#"["","","😀","","€","","","%uFFFD","","TypeError:TypeError","a"]"#
    );
}

#[test]
fn text_decoder_handles_the_bom_and_any_buffer_source() {
    assert_eq!(
        value(
            "const bom = [0xEF, 0xBB, 0xBF];
             const d = new TextDecoder();
             const keep = new TextDecoder('utf-8', { ignoreBOM: true });
             const split = new TextDecoder();
             const s1 = split.decode(new Uint8Array([0xEF, 0xBB]), { stream: true });
             const s2 = split.decode(new Uint8Array([0xBF, 0x61, ...bom]), { stream: true });
             const buf = new Uint8Array([0, 0x68, 0x69, 0x21, 0]).buffer;
             [escape(d.decode(new Uint8Array([...bom, 0x61]))), escape(d.decode(new Uint8Array([...bom, ...bom]))),
              escape(keep.decode(new Uint8Array([...bom, 0x61]))), s1, escape(s2),
              d.decode(buf), d.decode(new DataView(buf, 1, 3)), d.decode(new Uint8Array(buf, 1, 2)),
              d.decode(new Uint16Array(buf.slice(1, 3))), d.decode(new Uint8Array(0)),
              thrown(() => d.decode('abc'))]"
        ),
        r#"["a","%uFEFF","%uFEFFa","","a%uFEFF","\u0000hi!\u0000","hi!","hi","hi","","TypeError:TypeError"]"#
    );
}

// ------------------------------------------------------------------ base64

#[test]
fn atob_and_btoa_follow_forgiving_base64() {
    assert_eq!(
        value(
            "[btoa(''), btoa('a'), btoa('ab'), btoa('abc'), btoa('\\xff\\xfe\\x00'), btoa(12),
              atob('YQ=='), atob('YQ'), atob(' Y\\tQ\\n=\\f=\\r'), atob('YWJj'), atob('YR=='),
              atob('//4A') === '\\xff\\xfe\\x00', atob(''), escape(atob(null)),
              thrown(() => atob('YQ=')), thrown(() => atob('Y')), thrown(() => atob('YQ===')),
              thrown(() => atob('Y=Q=')), thrown(() => atob('YQ\\u00a0')), thrown(() => atob('Y-Q_')),
              thrown(() => btoa('\\u0100')), thrown(() => btoa('\\uD800')), thrown(() => btoa())]"
        ),
        r#"["","YQ==","YWI=","YWJj","//4A","MTI=","a","a","a","abc","a",true,"","%9E%E9e","DOMException:InvalidCharacterError","DOMException:InvalidCharacterError","DOMException:InvalidCharacterError","DOMException:InvalidCharacterError","DOMException:InvalidCharacterError","DOMException:InvalidCharacterError","DOMException:InvalidCharacterError","DOMException:InvalidCharacterError","TypeError:TypeError"]"#
    );
}

#[test]
fn base64_errors_use_dom_exception_when_it_exists_at_call_time() {
    assert_eq!(
        value(
            "globalThis.DOMException = class DOMException extends Error {
               constructor(message, name) { super(message); this.name = name; }
             };
             const e = (() => { try { atob('*'); } catch (e) { return e; } })();
             [e instanceof DOMException, e.name, typeof e.message]"
        ),
        r#"[true,"InvalidCharacterError","string"]"#
    );
}

// --------------------------------------------------------------------- URL

#[test]
fn url_parses_against_a_base_and_normalizes() {
    assert_eq!(
        logs(
            "const cases = [
               ['../c/./d?x#y', 'http://example.com/a/b/e'],
               ['//other.org:80/p', 'https://example.com/'],
               ['?q', 'http://a/b/c?x'],
               ['#f', 'http://a/b?c'],
               ['HTTP://EXAMPLE.com:80/%7Efoo/a%2fb/../c'],
               ['https://example.com:443/'],
               ['ws://h:80/'],
               ['http://h:8080'],
               ['http://[::1]:3000/x'],
               ['http://[2001:DB8:0:0:0:0:0:1]/'],
               ['http://münchen.de/ä ö?ä=1#ä'],
               ['HTTP://xn--mnchen-3ya.DE'],
               ['http://0x7f.1/'],
               ['file:///C:/x/../y'],
               ['mailto:Someone@Example.com'],
               ['foo://Host/a/../b'],
               ['data:text/plain,hi there'],
               ['  http://h/a\\tb\\n '],
               ['http://user:p%40ss@h/'],
               ['/just/path', 'blob:http://h/uuid'],
             ];
             for (const [input, base] of cases) {
               try { console.log(new URL(input, base).href); } catch (e) { console.log(e.name); }
             }"
        ),
        [
            "http://example.com/a/c/d?x#y",
            "https://other.org:80/p",
            "http://a/b/c?q",
            "http://a/b?c#f",
            "http://example.com/%7Efoo/c",
            "https://example.com/",
            "ws://h/",
            "http://h:8080/",
            "http://[::1]:3000/x",
            "http://[2001:db8::1]/",
            "http://xn--mnchen-3ya.de/%C3%A4%20%C3%B6?%C3%A4=1#%C3%A4",
            "http://xn--mnchen-3ya.de/",
            "http://127.0.0.1/",
            "file:///C:/y",
            "mailto:Someone@Example.com",
            "foo://Host/b",
            "data:text/plain,hi there",
            "http://h/ab",
            "http://user:p%40ss@h/",
            "TypeError",
        ]
    );
}

#[test]
fn url_rejects_invalid_input_with_type_error() {
    assert_eq!(
        value(
            "[thrown(() => new URL('not a url')), thrown(() => new URL('/path')),
              thrown(() => new URL('http://exa mple.com')), thrown(() => new URL('http://[::1')),
              thrown(() => new URL('http://h:65536')), thrown(() => new URL('x', 'not a base')),
              thrown(() => new URL('https://')), thrown(() => new URL()),
              URL.canParse('http://a'), URL.canParse('a'), URL.canParse('a', 'http://b'),
              URL.parse('nope'), URL.parse('b', 'http://a/').href]"
        ),
        r#"["TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError","TypeError:TypeError",true,false,true,null,"http://a/b"]"#
    );
}

#[test]
fn url_getters_split_the_url() {
    assert_eq!(
        value(
            "const u = new URL('https://us%20er:pa@Sub.Example.com:8443/p/a%20t/h?query=1&b#frag');
             const f = new URL('file:///tmp/x');
             const o = new URL('blob:https://a.com:444/id');
             [u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search,
              u.hash, u.origin, String(u), JSON.stringify({ u }), f.origin, f.host, o.origin,
              new URL('foo://x/y').origin, Object.prototype.toString.call(u)]"
        ),
        r##"["https:","us%20er","pa","sub.example.com:8443","sub.example.com","8443","/p/a%20t/h","?query=1&b","#frag","https://sub.example.com:8443","https://us%20er:pa@sub.example.com:8443/p/a%20t/h?query=1&b#frag","{\"u\":\"https://us%20er:pa@sub.example.com:8443/p/a%20t/h?query=1&b#frag\"}","null","","https://a.com:444","null","[object URL]"]"##
    );
}

#[test]
fn url_setters_follow_the_standard() {
    assert_eq!(
        logs(
            "const u = new URL('http://example.com/a?b#c');
             u.protocol = 'https'; console.log(u.href);
             u.protocol = 'foo'; console.log(u.href); // special to non-special: ignored
             u.port = '443'; console.log(u.href); // the default port is dropped
             u.port = '8080abc'; console.log(u.port);
             u.port = 'x'; console.log(u.port); // ignored
             u.host = 'other.org:99'; console.log(u.host);
             u.hostname = 'ünï.com'; console.log(u.hostname);
             u.username = 'a b'; u.password = 'p@ss'; console.log(u.href);
             u.pathname = 'x y/../z'; console.log(u.pathname);
             u.search = 'q=1 2'; console.log(u.search);
             u.hash = '#h h'; console.log(u.hash);
             u.hash = ''; u.search = ''; console.log(u.href);
             u.href = 'http://new.example/'; console.log(u.host);
             try { u.href = 'nope'; } catch (e) { console.log(e.name, u.href); }"
        ),
        [
            "https://example.com/a?b#c",
            "https://example.com/a?b#c",
            "https://example.com/a?b#c",
            "8080",
            "8080",
            "other.org:99",
            "xn--n-nga1b.com",
            "https://a%20b:p%40ss@xn--n-nga1b.com:99/a?b#c",
            "/z",
            "?q=1%202",
            "#h%20h",
            "https://a%20b:p%40ss@xn--n-nga1b.com:99/z",
            "new.example",
            "TypeError http://new.example/",
        ]
    );
}

#[test]
fn url_search_params_are_live_both_ways() {
    assert_eq!(
        logs(
            "const u = new URL('http://h/p?a=1&b=2&a=3');
             const p = u.searchParams;
             console.log(p.getAll('a'), p === u.searchParams);
             p.append('c', 'x y&z');
             console.log(u.search);
             u.search = '?k=v';
             console.log(p.get('a'), p.get('k'), p.size);
             p.delete('k');
             console.log(u.href);
             u.href = 'http://h/?z=26';
             console.log(p.toString());
             p.set('é', '🙂');
             console.log(u.search);"
        ),
        [
            "[ '1', '3' ] true",
            "?a=1&b=2&a=3&c=x+y%26z",
            "null v 1",
            "http://h/p",
            "z=26",
            "?z=26&%C3%A9=%F0%9F%99%82",
        ]
    );
}

#[test]
fn url_search_params_made_late_see_every_earlier_change() {
    // `searchParams` is made on first read: setters that ran before it
    // must show in it, and it must stay linked afterwards.
    assert_eq!(
        logs(
            "const u = new URL('http://h/p?a=1');
             u.search = '?b=2';
             u.href = 'http://h/q?c=3&c=4';
             u.hash = '#x';
             const p = u.searchParams;
             console.log(p.getAll('c'), p.has('a'), p.has('b'), p === u.searchParams);
             u.search = 'd=5';
             p.append('e', '6');
             console.log(p.toString(), u.href);"
        ),
        [
            "[ '3', '4' ] false false true",
            "d=5&e=6 http://h/q?d=5&e=6#x"
        ]
    );
}

#[test]
fn url_search_params_construct_and_operate() {
    assert_eq!(
        logs(
            "const p = new URLSearchParams('?a=1&b=%20x+y&&c&=d&a=2');
             console.log([...p]);
             console.log(new URLSearchParams([['x', 1], ['y', '2']]).toString());
             console.log(new URLSearchParams({ b: 'B', a: 'A' }).toString());
             console.log(new URLSearchParams(new Map([['m', 'n']])).toString());
             try { new URLSearchParams([['x']]); } catch (e) { console.log(e.name); }
             console.log(p.has('a'), p.has('a', '2'), p.has('a', '3'), p.has('zz'), p.get('zz'));
             p.delete('a', '1'); console.log(p.getAll('a'));
             p.set('b', 'new'); p.append('b', 'again'); p.set('b', 'only');
             console.log(p.getAll('b'), p.size);
             const s = new URLSearchParams('z=1&a=2&b=3&a=1&\\uFFFD=x&\\u00e9=y');
             s.sort(); console.log([...s.keys()].join(','), [...s.values()].join(','));
             const seen = []; s.forEach((v, k, obj) => seen.push(k + v, obj === s)); console.log(seen.length);
             console.log([...new URLSearchParams('a=b').entries()], new URLSearchParams('  x=~!*()\\'').toString());
             console.log(Object.prototype.toString.call(s), String(new URLSearchParams('a=\\uD800')));"
        ),
        [
            "[\n  [ 'a', '1' ],\n  [ 'b', ' x y' ],\n  [ 'c', '' ],\n  [ '', 'd' ],\n  [ 'a', '2' ]\n]",
            "x=1&y=2",
            "b=B&a=A",
            "m=n",
            "TypeError",
            "true true false false null",
            "[ '2' ]",
            "[ 'only' ] 4",
            "a,a,b,z,é,\u{FFFD} 2,1,3,1,y,x",
            "12",
            "[ [ 'a', 'b' ] ] ++x=%7E%21*%28%29%27",
            "[object URLSearchParams] a=%EF%BF%BD",
        ]
    );
}

#[test]
fn url_search_params_iterators_are_webidl_pair_iterators() {
    assert_eq!(
        value(
            "const p = new URLSearchParams('a=1&b=2&c=3');
             const it = p.keys();
             const first = it.next().value;
             p.delete('b');
             const rest = [...it];
             const proto = Object.getPrototypeOf(it);
             [first, rest, Object.prototype.toString.call(it), typeof it[Symbol.iterator],
              Object.getPrototypeOf(proto) === Object.getPrototypeOf(Object.getPrototypeOf([].keys())),
              Object.getOwnPropertyNames(proto), p.values().next(), p[Symbol.iterator] === p.entries,
              [...new URLSearchParams('x=1')], it.next()]"
        ),
        r#"["a",["c"],"[object URLSearchParams Iterator]","function",true,["next"],{"value":"1","done":false},true,[["x","1"]],{"done":true}]"#
    );
}

// ---------------------------------------------------------- structuredClone

#[test]
fn structured_clone_preserves_cycles_and_shared_references() {
    assert_eq!(
        value(
            "const shared = { s: 1 };
             const o = { a: [shared, shared], n: null, u: undefined, big: 12n, neg0: -0 };
             o.self = o;
             const arr = [1, , 3]; arr.extra = 'x'; o.arr = arr;
             const c = structuredClone(o);
             [c !== o, c.self === c, c.a[0] === c.a[1], c.a[0] !== shared, 'u' in c, c.u === undefined,
              typeof c.big, c.big === 12n, Object.is(c.neg0, -0), 1 in c.arr, c.arr.length, c.arr.extra,
              Array.isArray(c.arr), structuredClone('s'), structuredClone(null) === null,
              Object.getPrototypeOf(structuredClone(Object.create({ inherited: 1 }))) === Object.prototype]"
        ),
        "[true,true,true,true,true,true,\"bigint\",true,true,false,3,\"x\",true,\"s\",true,true]"
    );
}

#[test]
fn structured_clone_copies_built_ins() {
    assert_eq!(
        value(
            "const buf = new ArrayBuffer(8);
             const u8 = new Uint8Array(buf, 2, 4); u8.set([1, 2, 3, 4]);
             const f64 = new Float64Array([1.5]);
             const dv = new DataView(buf, 1, 3);
             const re = /a+b/gi; re.lastIndex = 3;
             const key = { k: 1 };
             const src = {
               d: new Date(1234567890123), re, m: new Map([[key, 'v'], ['k2', key]]), s: new Set([key, 2]),
               u8, u8again: u8, dv, f64, buf, bi: new BigInt64Array([-5n]),
               nums: [Object(1), Object('s'), Object(false), Object(3n)],
               rab: new ArrayBuffer(2, { maxByteLength: 16 }),
             };
             const c = structuredClone(src);
             const [mk] = c.m.keys();
             [c.d instanceof Date, c.d.getTime(), c.re instanceof RegExp, c.re.source, c.re.flags, c.re.lastIndex,
              c.m instanceof Map, mk !== key, c.m.get('k2') === mk, c.s.has(mk), c.s.has(2),
              c.u8 instanceof Uint8Array, c.u8.byteOffset, bytes(c.u8), c.u8again === c.u8, c.u8.buffer === c.buf,
              c.dv instanceof DataView, c.dv.buffer === c.buf, c.dv.byteOffset, c.dv.byteLength,
              c.buf !== buf, c.buf.byteLength, bytes(new Uint8Array(c.buf)), c.f64[0], c.bi[0] === -5n,
              c.nums.map((n) => [typeof n, Object.prototype.toString.call(n), String(n.valueOf())]),
              c.rab.resizable, c.rab.maxByteLength]"
        ),
        r#"[true,1234567890123,true,"a+b","gi",0,true,true,true,true,true,true,2,[1,2,3,4],true,true,true,true,1,3,true,8,[0,0,1,2,3,4,0,0],1.5,true,[["object","[object Number]","1"],["object","[object String]","s"],["object","[object Boolean]","false"],["object","[object BigInt]","3"]],true,16]"#
    );
}

#[test]
fn structured_clone_copies_errors_per_the_standard() {
    assert_eq!(
        value(
            "const kinds = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];
             const out = kinds.map((K) => {
               const c = structuredClone(new K('m'));
               return [c instanceof K, c.name, c.message];
             });
             class Custom extends Error { constructor() { super('c'); this.name = 'Custom'; } }
             const custom = structuredClone(new Custom());
             out.push([custom instanceof Custom, custom instanceof Error, custom.name, custom.message]);
             const e = new TypeError('x'); e.stack = 'at somewhere';
             const noMessage = structuredClone(new RangeError());
             out.push([structuredClone(e).stack, Object.hasOwn(noMessage, 'message'), noMessage.name]);
             out"
        ),
        r#"[[true,"Error","m"],[true,"EvalError","m"],[true,"RangeError","m"],[true,"ReferenceError","m"],[true,"SyntaxError","m"],[true,"TypeError","m"],[true,"URIError","m"],[false,true,"Error","c"],["at somewhere",false,"RangeError"]]"#
    );
}

#[test]
fn structured_clone_refuses_uncloneable_values() {
    assert_eq!(
        value(
            "[thrown(() => structuredClone(() => 1)), thrown(() => structuredClone(Symbol('s'))),
              thrown(() => structuredClone({ f() {} })), thrown(() => structuredClone(new WeakMap())),
              thrown(() => structuredClone(new WeakSet())), thrown(() => structuredClone(Promise.resolve())),
              thrown(() => structuredClone(new Proxy({}, {}))), thrown(() => structuredClone(Object(Symbol()))),
              thrown(() => structuredClone(new WeakRef({}))), thrown(() => structuredClone()),
              thrown(() => structuredClone(1, { transfer: [{}] })),
              thrown(() => structuredClone((function* () {})())), thrown(() => structuredClone(new SharedArrayBuffer(1))),
              thrown(() => structuredClone(new FinalizationRegistry(() => {}))),
              thrown(() => structuredClone([1, new Map([[1, { deep: Symbol.iterator }]])]))]"
        ),
        r#"["DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","TypeError:TypeError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError","DOMException:DataCloneError"]"#
    );
}

#[test]
fn structured_clone_keeps_dom_exceptions_and_clones_arguments_as_objects() {
    assert_eq!(
        value(
            "globalThis.DOMException = class DOMException extends Error {
               constructor(message, name) { super(message); this.name = name; }
             };
             const d = structuredClone(new DOMException('gone', 'AbortError'));
             const args = structuredClone((function () { return arguments; })(1, 'two'));
             [d instanceof DOMException, d.name, d.message, Array.isArray(args), args,
              Object.getPrototypeOf(args) === Object.prototype]"
        ),
        r#"[true,"AbortError","gone",false,{"0":1,"1":"two"},true]"#
    );
}

#[test]
fn structured_clone_transfers_array_buffers() {
    assert_eq!(
        value(
            "const buf = new Uint8Array([7, 8]).buffer;
             const c = structuredClone({ buf, view: new Uint8Array(buf) }, { transfer: [buf] });
             const other = new ArrayBuffer(1);
             const failed = thrown(() => structuredClone({ other, f() {} }, { transfer: [other] }));
             [buf.byteLength, buf.detached, bytes(c.view), c.view.buffer === c.buf,
              failed, other.detached, thrown(() => structuredClone(1, { transfer: [other, other] })),
              thrown(() => structuredClone(buf))]"
        ),
        r#"[0,true,[7,8],true,"DOMException:DataCloneError",false,"DOMException:DataCloneError","DOMException:DataCloneError"]"#
    );
}

// ------------------------------------------------------------------ crypto

#[test]
fn digest_matches_known_vectors() {
    assert_eq!(
        logs(
            "const data = { abc: new TextEncoder().encode('abc'), empty: new Uint8Array(0) };
             (async () => {
               for (const name of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
                 for (const input of ['abc', 'empty']) {
                   console.log(name, input, hex(await crypto.subtle.digest(name, data[input])));
                 }
               }
               // Algorithm objects, lowercase names, views with an offset, ArrayBuffers.
               const view = new Uint8Array([0, 97, 98, 99, 0]).subarray(1, 4);
               const viaObject = await crypto.subtle.digest({ name: 'sha-256' }, view);
               const viaDataView = await crypto.subtle.digest('SHA-256', new DataView(view.buffer, 1, 3));
               console.log(hex(viaObject) === hex(viaDataView), viaObject instanceof ArrayBuffer);
               for (const bad of [['MD5', data.abc], ['SHA-256', 'abc'], [{}, data.abc]]) {
                 await crypto.subtle.digest(...bad).then(() => console.log('resolved'), (e) => console.log(e.name));
               }
             })();"
        ),
        [
            "SHA-1 abc a9993e364706816aba3e25717850c26c9cd0d89d",
            "SHA-1 empty da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "SHA-256 abc ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "SHA-256 empty e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "SHA-384 abc cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            "SHA-384 empty 38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
            "SHA-512 abc ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "SHA-512 empty cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            "true true",
            "NotSupportedError",
            "TypeError",
            "TypeError",
        ]
    );
}

#[test]
fn get_random_values_checks_type_and_size() {
    assert_eq!(
        value(
            "const a = new Uint8Array(65536);
             const r = crypto.getRandomValues(a);
             const zeros = a.filter((x) => x === 0).length;
             const view = new Uint32Array(new ArrayBuffer(16), 4, 2);
             crypto.getRandomValues(view);
             const whole = new Uint32Array(view.buffer);
             [r === a, zeros < 1000, whole[0] === 0 && whole[3] === 0, view[0] !== 0 || view[1] !== 0,
              crypto.getRandomValues(new BigInt64Array(2)).length, crypto.getRandomValues(new Uint8Array(0)).length,
              thrown(() => crypto.getRandomValues(new Uint8Array(65537))),
              thrown(() => crypto.getRandomValues(new Float64Array(1))),
              thrown(() => crypto.getRandomValues(new DataView(new ArrayBuffer(1)))),
              thrown(() => crypto.getRandomValues([1])), thrown(() => new Crypto()),
              Object.prototype.toString.call(crypto), crypto.subtle instanceof SubtleCrypto]"
        ),
        r#"[true,true,true,true,2,0,"DOMException:QuotaExceededError","DOMException:TypeMismatchError","DOMException:TypeMismatchError","TypeError:TypeError","TypeError:TypeError","[object Crypto]",true]"#
    );
}

#[test]
fn random_uuid_is_v4_and_differs_across_runs() {
    let script = "const ids = Array.from({ length: 50 }, () => crypto.randomUUID());
         const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
         [ids.every((id) => re.test(id)), new Set(ids).size, ids[0]]";
    let first: serde_json::Value = serde_json::from_str(&value(script)).unwrap();
    let second: serde_json::Value = serde_json::from_str(&value(script)).unwrap();
    assert_eq!(first[0], true, "{first}");
    assert_eq!(first[1], 50, "{first}");
    assert_ne!(
        first[2], second[2],
        "two runs from one snapshot drew the same UUID"
    );
    // Random bytes, too, come from the host at call time, not the snapshot.
    let bytes = "hex(crypto.getRandomValues(new Uint8Array(16)))";
    assert_ne!(value(bytes), value(bytes));
}

// ------------------------------------------------------------------ shape

#[test]
fn globals_are_installed_like_webidl_ones() {
    assert_eq!(
        value(
            "const names = ['TextEncoder', 'TextDecoder', 'atob', 'btoa', 'URL', 'URLSearchParams',
                            'structuredClone', 'Crypto', 'SubtleCrypto'];
             [names.map((n) => { const d = Object.getOwnPropertyDescriptor(globalThis, n);
                                 return [typeof d.value, d.enumerable, d.writable, d.configurable]; })
                   .every(([t, e, w, c]) => t === 'function' && !e && w && c),
              Object.keys(globalThis).filter((k) => names.includes(k)).length,
              typeof crypto.randomUUID, typeof TextEncoder.prototype.encodeInto]"
        ),
        r#"[true,0,"function","function"]"#
    );
}
