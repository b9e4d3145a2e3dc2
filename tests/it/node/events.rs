//! `node:events`, against the output of real Node (v20).

use crate::support::script_output;

#[test]
fn event_emitter_matches_node() {
    // Listener order (prepend, once), an error without a listener throws, `events.once`, `newListener`, `this` and arguments.
    let script = r#"
const EventEmitter = require('events');
const { once } = require('node:events');
const e = new EventEmitter();
const order = [];
e.on('x', (a) => order.push('1:' + a));
e.prependListener('x', () => order.push('0'));
e.once('x', () => order.push('once'));
e.emit('x', 'a');
e.emit('x', 'b');
console.log(order.join(','), e.listenerCount('x'), e.eventNames());
try { e.emit('error', new Error('boom')); } catch (err) { console.log('threw', err.message); }
e.on('error', (err) => console.log('handled', err.message));
console.log(e.emit('error', new Error('ok')), e.emit('nothing'));
once(e, 'ready').then(([v]) => console.log('once', v));
e.emit('ready', 42);
console.log(EventEmitter.defaultMaxListeners, EventEmitter.EventEmitter === EventEmitter);
class My extends EventEmitter {}
const m = new My();
m.on('newListener', (n) => console.log('newListener', n));
const f = () => {};
m.on('foo', f);
m.off('foo', f);
console.log(m.listenerCount('foo'), m.listeners('newListener').length, m.getMaxListeners());
const t = new EventEmitter();
t.on('a', function () { console.log('this ok', this === t, arguments.length); });
t.emit('a', 1, 2, 3);
"#;
    let expected = r#"
0,1:a,once,0,1:b 2 [ 'x' ]
threw boom
handled ok
true false
10 true
newListener foo
0 1 10
this ok true 3
once 42
"#;
    assert_eq!(script_output(script), expected.trim());
}
