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

#[test]
fn latin1_and_utf16le_decode_natively_as_node_does() {
    // Node's meanings, not WHATWG's: latin1 is ISO-8859-1 (0x80 is U+0080,
    // not €), utf16le keeps lone surrogates and drops an odd last byte.
    let script = r#"
const b = Buffer.from([0x00, 0x41, 0x80, 0xe9, 0xff, 0x00, 0xd8, 0x3d, 0xd8, 0x00, 0xde, 0x41]);
console.log([b.toString('latin1'), b.toString('binary', 1, 5), b.toString('LATIN1', 3)].map(escape).join(' '));
console.log([b.toString('utf16le'), b.toString('ucs2', 1), b.toString('UTF-16LE', 7, 11), b.toString('ucs-2', 5, 7)].map(escape).join(' '));
console.log([Buffer.from('héllo', 'latin1').toString('latin1'), Buffer.from('h€\ud800', 'utf16le').toString('utf16le'), Buffer.alloc(0).toString('utf16le')].map(escape).join(' '));
"#;
    // `node buffer.js` with Node 20.20.
    let expected = "%00A%80%E9%FF%00%D8%3D%D8%00%DEA A%80%E9%FF %E9%FF%00%D8%3D%D8%00%DEA\n\
                    %u4100%uE980%FF%u3DD8%D8%u41DE %u8041%uFFE9%uD800%uD83D%uDE00 %uD83D%uDE00 %uD800\n\
                    h%E9llo h%u20AC%uD800 ";
    assert_eq!(script_output(script), expected);
}
