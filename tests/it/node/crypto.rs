//! `node:crypto`, against the output of real Node (v20): digests of the
//! RFC 1321 / FIPS 180 / RFC 4231-style vectors, HMAC, randomness, errors;
//! and the KDFs' work held to the run's limits. The ciphers' and KDFs'
//! vectors, Node interop and error codes are JS fixtures
//! (`tests/it/node/fixtures/`, listed in `node/mod.rs`).

use jsbox::{Limits, Outcome, OutcomeKind, RunOptions, Script};

use crate::support::{runtime, script_output};

#[test]
fn crypto_matches_node() {
    // createHash (md5, sha1, sha224/256/384/512; hex, base64, base64url, Buffer; incremental and copy), createHmac, finalized-hash errors, randomBytes/randomUUID/randomInt ranges and errors, timingSafeEqual, webcrypto.
    let script = r#"
const crypto = require('crypto');
const h = (alg, data, enc) => crypto.createHash(alg).update(data).digest(enc);
console.log(h('md5', '', 'hex'), h('md5', 'The quick brown fox jumps over the lazy dog', 'hex'));
console.log(h('sha1', 'abc', 'hex'), h('SHA256', 'abc', 'base64'), h('sha512', 'abc', 'hex'));
console.log(h('sha256', Buffer.from('héllo'), 'base64url'), h('sha384', 'x', 'hex').length, h('sha224', '', 'hex'));
const inc = crypto.createHash('sha256'); inc.update('a'); inc.update('b', 'utf8'); inc.update(Buffer.from('63', 'hex')); const copy = inc.copy(); console.log(inc.digest('hex') === h('sha256', 'abc', 'hex'), copy.update('d').digest('hex') === h('sha256', 'abcd', 'hex'));
const d = crypto.createHash('md5').update('x').digest(); console.log(Buffer.isBuffer(d), d.length, d);
console.log(crypto.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex'));
console.log(crypto.createHmac('md5', '').update('').digest('hex'), crypto.createHmac('sha1', Buffer.alloc(100, 1)).update('data').digest('base64'), crypto.createHmac('sha512', 'k').update('d').digest('hex').slice(0, 32));
try { crypto.createHash('nope'); } catch (e) { console.log(e.message); }
const used = crypto.createHash('sha1'); used.digest(); try { used.update('x'); } catch (e) { console.log(e.code, e.message); }
try { used.digest(); } catch (e) { console.log(e.code); }
const rb = crypto.randomBytes(16); console.log(Buffer.isBuffer(rb), rb.length, crypto.randomBytes(16).equals(rb), crypto.randomBytes(100000).length);
crypto.randomBytes(8, (err, buf) => console.log('async randomBytes', err, buf.length));
console.log(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));
const ints = Array.from({ length: 200 }, () => crypto.randomInt(3, 6)); console.log(ints.every((i) => i >= 3 && i < 6 && Number.isInteger(i)), new Set(ints).size, crypto.randomInt(1) === 0);
try { crypto.randomInt(5, 5); } catch (e) { console.log(e.code); }
console.log(crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')), crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd')));
try { crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')); } catch (e) { console.log(e.code, e.name); }
console.log(crypto.webcrypto === globalThis.crypto, crypto.subtle === globalThis.crypto.subtle, typeof crypto.getRandomValues, crypto.getHashes().includes('sha256'));
"#;
    let expected = r#"
d41d8cd98f00b204e9800998ecf8427e 9e107d9d372bb6826bd81d3542a419d6
a9993e364706816aba3e25717850c26c9cd0d89d ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0= ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f
PEhZHY0JikU49eAT389AbpSOrE0yd7EL9hTildYGgXk 96 d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f
true true
true 16 <Buffer 9d d4 e4 61 26 8c 80 34 f5 c8 56 4e 15 5c 67 a6>
f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8
74e6f7298a9c2d168935f58c001bad88 DqZIwFOheupwl+90ttfI6Tauqs4= 75e6621bf12000a13d8dae79fed84aad
Digest method not supported
ERR_CRYPTO_HASH_FINALIZED Digest already called
ERR_CRYPTO_HASH_FINALIZED
true 16 false 100000
true
true 3 true
ERR_OUT_OF_RANGE
true false
ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH RangeError
true true function true
async randomBytes null 8
"#;
    assert_eq!(script_output(script), expected.trim());
}

#[test]
fn scrypt_past_the_memory_cap_ends_as_a_memory_limit() {
    // Node's maxmem check passes (the script raised it), so scrypt asks for
    // its 1 GiB of V: the sandbox's cap, not the host, stops it.
    let script = "const c = require('crypto'); console.log('before'); \
        c.scryptSync('p', 's', 16, { N: 2 ** 20, r: 8, maxmem: 2 ** 31 }); console.log('after');";
    let limits = Limits::default().with_memory_bytes(64 << 20);
    let (execution, logs) = crate::support::run(
        &Script::new("scrypt.js", script),
        RunOptions::default().with_limits(limits),
    );
    assert_eq!(
        execution.outcome,
        Outcome::MemoryLimit {
            limit_bytes: 64 << 20
        }
    );
    assert_eq!(logs, ["before"]);
    // The default maxmem refuses it before any allocation, and the next
    // run of the runtime works.
    let refused = script_output(
        "try { require('crypto').scryptSync('p', 's', 16, { N: 2 ** 20, r: 8 }); } catch (e) { console.log(e.code); }",
    );
    assert_eq!(refused, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS");
}

#[test]
fn kdf_work_is_counted_by_fuel() {
    let script = "require('crypto').pbkdf2Sync('p', 's', 2147483647, 64, 'sha512')";
    let limits = Limits::default().with_fuel(200_000_000);
    let execution = runtime().run(
        &Script::new("pbkdf2.js", script),
        RunOptions::default().with_limits(limits),
    );
    assert_eq!(execution.outcome.kind(), OutcomeKind::CpuBudget);
}
