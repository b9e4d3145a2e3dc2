//! `node:util`, `node:util/types`, `node:assert`, against the output of
//! real Node (v20).

use crate::support::script_output;

#[test]
fn util_matches_node() {
    // format, inspect (options, custom, circular), promisify (custom too), callbackify, inherits, types, isDeepStrictEqual.
    let script = r#"
const util = require('util');
console.log(util.format('%s is %d years and %i%% %j', 'Bob', 42.5, 42.5, { a: [1] }), util.format('x', 1, 'y', { z: 2 }));
console.log(util.format('%O', { a: { b: { c: { d: 1 } } } }), util.format('%s', null, undefined), util.format('%%s %s'));
console.log(util.inspect({ a: 1, s: 'str', n: null, u: undefined, arr: [1, 'two', [3]], nested: { deep: { deeper: { deepest: 1 } } } }));
console.log(util.inspect(new Map([['k', 1]])), util.inspect(new Set([1, 'a'])), util.inspect('q'), util.inspect([, 1]));
console.log(util.inspect({ b: 2, a: 1 }, { sorted: true }), util.inspect({ a: { b: { c: {} } } }, { depth: 0 }), util.inspect({ a: { b: { c: { d: 1 } } } }, { depth: null }).includes('d: 1'));
const c = { x: 1 }; c.self = c; console.log(util.inspect(c));
class Foo { constructor() { this.v = 1; } [util.inspect.custom]() { return 'Foo<custom>'; } }
console.log(util.inspect(new Foo()), util.inspect({ f: new Foo() }), util.inspect(function named() {}), util.inspect(Buffer.from('ab')));
console.log(util.inspect(new Error('e1')).split('\n')[0], util.inspect(Symbol('s')), util.inspect(10n), util.inspect(-0));
const cbFn = (a, b, cb) => setTimeout(() => (a < 0 ? cb(new Error('neg')) : cb(null, a + b)), 1);
const p = util.promisify(cbFn);
p(1, 2).then((v) => console.log('promisify', v));
p(-1, 2).catch((e) => console.log('promisify err', e.message));
const custom = () => {}; custom[util.promisify.custom] = () => Promise.resolve('custom!');
util.promisify(custom)().then((v) => console.log('custom', v, util.promisify(custom) === custom[util.promisify.custom]));
util.callbackify(async (x) => x * 2)(21, (err, v) => console.log('callbackify', err, v));
util.callbackify(async () => { throw null; })((err) => console.log('falsy', err.code, err.reason));
function A() {} function B() {} util.inherits(A, B); console.log(new A() instanceof B, A.super_ === B);
const t = util.types;
console.log(t.isPromise(Promise.resolve()), t.isDate(new Date()), t.isRegExp(/x/), t.isMap(new Map()), t.isTypedArray(new Uint8Array()), t.isUint8Array(Buffer.alloc(1)), t.isAsyncFunction(async () => {}), t.isGeneratorFunction(function* () {}), t.isNativeError(new TypeError()), t.isBoxedPrimitive(Object(1)), t.isArrayBuffer(new ArrayBuffer(1)), t.isDate({}), t.isSet([]));
console.log(util.isDeepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), util.isDeepStrictEqual({ a: 1 }, { a: '1' }), util.isDeepStrictEqual(new Set([1]), new Set([1])));
console.log(util.stripVTControlCharacters('\u001b[31mred\u001b[0m'), util.TextEncoder === TextEncoder, typeof util.TextDecoder);
"#;
    let expected = r#"
Bob is 42.5 years and 42% {"a":[1]} x 1 y { z: 2 }
{ a: { b: { c: [Object] } } } null undefined %%s %s
{
  a: 1,
  s: 'str',
  n: null,
  u: undefined,
  arr: [ 1, 'two', [ 3 ] ],
  nested: { deep: { deeper: [Object] } }
}
Map(1) { 'k' => 1 } Set(2) { 1, 'a' } 'q' [ <1 empty item>, 1 ]
{ a: 1, b: 2 } { a: [Object] } true
<ref *1> { x: 1, self: [Circular *1] }
Foo<custom> { f: Foo<custom> } [Function: named] <Buffer 61 62>
Error: e1 Symbol(s) 10n -0
true true
true true true true true true true true true true true false false
true false true
red true function
custom custom! true
callbackify null 42
falsy ERR_FALSY_VALUE_REJECTION null
promisify 3
promisify err neg
"#;
    assert_eq!(script_output(script), expected.trim());
}

#[test]
fn assert_matches_node() {
    // AssertionError shape: code, generatedMessage, operator, actual/expected, and the deepStrictEqual diff.
    let script = r#"
const assert = require('assert');
const strict = require('assert/strict');
function show(f) { try { f(); console.log('no throw'); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, generated: e.generatedMessage, op: e.operator, actual: e.actual, expected: e.expected })); } }
show(() => assert.deepStrictEqual({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] }));
show(() => assert.strictEqual(1, 2));
show(() => assert.strictEqual('a', 'b', new TypeError('custom error')));
show(() => assert.deepEqual({ a: 1 }, { a: '1' }));
show(() => strict.equal(1, '1'));
show(() => assert.notStrictEqual(1, 1));
show(() => assert.throws(() => { throw new TypeError('bad'); }, TypeError));
show(() => assert.throws(() => {}, Error));
show(() => assert.throws(() => { throw new Error('x'); }, { message: 'y' }));
show(() => assert.ok(0, 'zero'));
show(() => assert.match('abc', /x/));
show(() => assert.deepStrictEqual(new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]])));
show(() => assert.fail('boom'));
assert.rejects(Promise.reject(new Error('r')), /r/).then(() => console.log('rejects ok'));
console.log(strict === assert.strict, typeof assert.AssertionError, new assert.AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' }).message.split('\n')[0]);
"#;
    let expected = r#"
{"name":"AssertionError","code":"ERR_ASSERTION","message":"Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n    a: 1,\n    b: [\n      1,\n+     2\n-     3\n    ]\n  }","generated":true,"op":"deepStrictEqual","actual":{"a":1,"b":[1,2]},"expected":{"a":1,"b":[1,3]}}
{"name":"AssertionError","code":"ERR_ASSERTION","message":"Expected values to be strictly equal:\n\n1 !== 2\n","generated":true,"op":"strictEqual","actual":1,"expected":2}
{"name":"TypeError","message":"custom error"}
no throw
{"name":"AssertionError","code":"ERR_ASSERTION","message":"Expected values to be strictly equal:\n\n1 !== '1'\n","generated":true,"op":"strictEqual","actual":1,"expected":"1"}
{"name":"AssertionError","code":"ERR_ASSERTION","message":"Expected \"actual\" to be strictly unequal to: 1","generated":true,"op":"notStrictEqual","actual":1,"expected":1}
no throw
{"name":"AssertionError","code":"ERR_ASSERTION","message":"Missing expected exception (Error).","generated":false,"op":"throws"}
{"name":"AssertionError","code":"ERR_ASSERTION","message":"Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   message: 'x'\n-   message: 'y'\n  }","generated":true,"op":"throws","actual":{},"expected":{"message":"y"}}
{"name":"AssertionError","code":"ERR_ASSERTION","message":"zero","generated":false,"op":"==","actual":0,"expected":true}
{"name":"AssertionError","code":"ERR_ASSERTION","message":"The input did not match the regular expression /x/. Input:\n\n'abc'\n","generated":true,"op":"match","actual":"abc","expected":{}}
no throw
{"name":"AssertionError","code":"ERR_ASSERTION","message":"boom","generated":false,"op":"fail"}
true function Expected values to be strictly equal:
rejects ok
"#;
    assert_eq!(script_output(script), expected.trim());
}

#[test]
fn promisified_timers_are_the_timers_promises_functions() {
    // As in Node: `util.promisify.custom` on the global timers.
    let script = r#"
const util = require('util');
const timers = require('timers/promises');
const sleep = util.promisify(setTimeout);
const next = util.promisify(setImmediate);
console.log(sleep === timers.setTimeout, next === timers.setImmediate);
sleep(5, 'slept').then((v) => console.log(v));
next('next').then((v) => console.log(v));
"#;
    assert_eq!(script_output(script), "true true\nnext\nslept");
}
