//! `console` formats like Node's: each case's expected text is what Node
//! 20 printed for the same script.

use std::sync::Arc;

use jsbox::{LogLevel, MemorySink, RunOptions, Script};

use crate::support::runtime;

fn events(source: &str) -> Vec<jsbox::LogEvent> {
    let sink = Arc::new(MemorySink::new());
    let run = runtime().run(
        &Script::new("console.js", source),
        RunOptions::default().with_log_sink(sink.clone()),
    );
    assert!(run.outcome.is_ok(), "{:?}", run.outcome);
    sink.events()
}

const SCRIPT: &str = r#"console.log({ a: 1, b: 'x', c: [1, 2, 3] });
console.log([1, 'two', { three: 3 }, null, undefined]);
console.log({ nested: { deeper: { deepest: { gone: 1 } } } });
const cyc = { name: 'c' }; cyc.self = cyc; console.log(cyc);
console.log(new Map([['a', 1], ['b', { c: 2 }]]), new Set([1, 'x']));
console.log('%s is %d years and %i, %f, %j %%', 'Bob', 42.5, 42.9, '1.5', { a: 1 });
console.log(function foo() {}, class Bar {}, () => {}, Symbol('s'), 10n, -0);
console.log(new Uint8Array([1, 2, 3]), [, 1], Object.create(null));
console.log(new Date(0), /ab+c/gi, new Error('boom').message);
console.log({ 'key with space': 1, valid_id: 2 });
console.log(['it\'s', "say \"hi\""]);
console.log({ longer: 'aaaaaaaaaaaaaaaaaaaa', keys: 'bbbbbbbbbbbbbbbbbbbbbbbb', here: 'cccccccccccccccccc' });
class Point { constructor() { this.x = 1; this.y = 2; } } console.log(new Point());
console.log([[1, [2, [3, [4]]]]]);
console.count(); console.count(); console.count('x');
console.group('G'); console.log('inside'); console.groupEnd(); console.log('outside');
console.table([{ a: 1, b: 'y' }, { a: 2, c: true }]);
console.assert(1 === 2, 'math is %s', 'broken');
"#;

/// `node console.js 2>&1` with Node 20.20.
const NODE_OUTPUT: &str = r#"{ a: 1, b: 'x', c: [ 1, 2, 3 ] }
[ 1, 'two', { three: 3 }, null, undefined ]
{ nested: { deeper: { deepest: [Object] } } }
<ref *1> { name: 'c', self: [Circular *1] }
Map(2) { 'a' => 1, 'b' => { c: 2 } } Set(2) { 1, 'x' }
Bob is 42.5 years and 42, 1.5, {"a":1} %
[Function: foo] [class Bar] [Function (anonymous)] Symbol(s) 10n -0
Uint8Array(3) [ 1, 2, 3 ] [ <1 empty item>, 1 ] [Object: null prototype] {}
1970-01-01T00:00:00.000Z /ab+c/gi boom
{ 'key with space': 1, valid_id: 2 }
[ "it's", 'say "hi"' ]
{
  longer: 'aaaaaaaaaaaaaaaaaaaa',
  keys: 'bbbbbbbbbbbbbbbbbbbbbbbb',
  here: 'cccccccccccccccccc'
}
Point { x: 1, y: 2 }
[ [ 1, [ 2, [Array] ] ] ]
default: 1
default: 2
x: 1
G
  inside
outside
┌─────────┬───┬─────┬──────┐
│ (index) │ a │ b   │ c    │
├─────────┼───┼─────┼──────┤
│ 0       │ 1 │ 'y' │      │
│ 1       │ 2 │     │ true │
└─────────┴───┴─────┴──────┘
Assertion failed: math is broken
"#;

#[test]
fn formatting_matches_node() {
    let printed: Vec<String> = events(SCRIPT).into_iter().map(|e| e.message).collect();
    let expected: Vec<&str> = NODE_OUTPUT.trim_end().split('\n').collect();
    assert_eq!(printed.join("\n").split('\n').collect::<Vec<_>>(), expected);
}

#[test]
fn levels_follow_the_method() {
    let levels: Vec<LogLevel> = events(
        "console.log(1); console.info(2); console.debug(3); console.warn(4); console.error(5); \
         console.assert(false); console.trace('t'); console.table([1]); console.dir({})",
    )
    .into_iter()
    .map(|e| e.level)
    .collect();
    use LogLevel::*;
    assert_eq!(
        levels,
        [Info, Info, Debug, Warn, Error, Error, Error, Info, Info]
    );
}

#[test]
fn trace_time_and_errors() {
    let out: Vec<String> = events(
        "function where() { console.trace('here %d', 1) } where();\n\
         console.time('t'); console.timeEnd('t'); console.timeEnd('t');\n\
         console.log(new TypeError('bad'));\n\
         console.log({ e: new RangeError('inner') }.e.name)",
    )
    .into_iter()
    .map(|e| e.message)
    .collect();
    assert!(
        out[0].starts_with("Trace: here 1\n    at where (console.js:1:"),
        "{}",
        out[0]
    );
    assert!(
        out[1].starts_with("t: ") && out[1].ends_with("ms"),
        "{}",
        out[1]
    );
    assert_eq!(out[2], "Warning: No such label 't' for console.timeEnd()");
    assert!(
        out[3].starts_with("TypeError: bad\n    at <eval> (console.js:3:"),
        "{}",
        out[3]
    );
    assert_eq!(out[4], "RangeError");
}
