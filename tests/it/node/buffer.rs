//! `node:buffer` and the `Buffer` global, against the output of real Node
//! (v20) for the same scripts.

use crate::support::script_output;

#[test]
fn buffer_matches_node_for_encodings_views_and_numbers() {
    // Encodings (utf8 with replacement, hex, base64, base64url, latin1, ascii, utf16le), slicing, integer reads and writes, inspect, JSON, big buffers through the native codecs.
    let script = r#"
const b = Buffer.from('héllo wörld €', 'utf8');
console.log(b.length, b.toString('hex'));
console.log(b.toString('base64'), b.toString('base64url'));
console.log(Buffer.from('aGk/Pz4+', 'base64').toString(), Buffer.from('aGk_Pz4-', 'base64url').toString('latin1'));
console.log(Buffer.from('6869zz', 'hex'), Buffer.from('abc', 'hex').length);
console.log(Buffer.from([0xff, 0xfe, 0x41, 0xe2, 0x82]).toString());
console.log(Buffer.concat([Buffer.from('a'), Buffer.from('bc')]).toString('utf8', 1));
const w = Buffer.alloc(8); w.writeUInt32BE(0xdeadbeef, 0); w.writeInt16LE(-2, 4);
console.log(w, w.readUInt32BE(0).toString(16), w.readInt16LE(4));
console.log(Buffer.byteLength('€'), Buffer.byteLength('aGk=', 'base64'), Buffer.isBuffer(b), b instanceof Uint8Array, Buffer.compare(Buffer.from('a'), Buffer.from('b')));
console.log(b.slice(0, 5).toString(), b.subarray(1, 3).toString('hex'), b.indexOf('wörld'), b.includes('xyz'));
console.log(JSON.stringify(Buffer.from('hi')), Buffer.from('hi').equals(Buffer.from('hi')));
console.log(Buffer.from('hello').toString('base64', 1, 3), Buffer.from('\uFEFFx').toString().length, Buffer.from('hey').toString('HEX'));
console.log(require('buffer').isUtf8(Buffer.from([0xc3])), Buffer.from(' aGV sbG8= ', 'base64').toString(), Buffer.from('aGk=aGk=', 'base64').toString());
console.log(Buffer.from('hi', 'utf16le'), Buffer.from('ÿ', 'latin1'), b.toString('ascii', 0, 3), Buffer.from('hi\ud800', 'utf8'));
console.log(Buffer.alloc(3, 'ab'), Buffer.from(new Uint16Array([1, 256]).buffer), [Buffer.from('x')]);
const big = Buffer.alloc(70000, 0x61); console.log(big.toString('base64').length, Buffer.from(big.toString('hex'), 'hex').equals(big));
console.log(typeof Buffer.from('x').readBigUInt64LE, Buffer.from([1,2,3,4,5,6,7,8]).readBigUInt64LE(0));
"#;
    let expected = r#"
17 68c3a96c6c6f2077c3b6726c6420e282ac
aMOpbGxvIHfDtnJsZCDigqw= aMOpbGxvIHfDtnJsZCDigqw
hi??>> hi??>>
<Buffer 68 69> 1
��A�
bc
<Buffer de ad be ef fe ff 00 00> deadbeef -2
3 2 true true -1
héll c3a9 7 false
{"type":"Buffer","data":[104,105]} true
ZWw= 2 686579
false hello hi
<Buffer 68 00 69 00> <Buffer ff> hC) <Buffer 68 69 ef bf bd>
<Buffer 61 62 61> <Buffer 01 00 00 01> [ <Buffer 78> ]
93336 true
function 578437695752307201n
"#;
    assert_eq!(script_output(script), expected.trim());
}
