//! `node:path`, `node:url` and `node:querystring`, against the output of
//! real Node (v20) run from `/` (jsbox's `process.cwd()`).

use crate::support::script_output;

#[test]
fn path_url_and_querystring_match_node() {
    // POSIX path operations, legacy url.parse/format/resolve, file URLs, domains, urlToHttpOptions, querystring parse/stringify with repeats, malformed escapes, custom separators.
    let script = r#"
const path = require('path');
console.log(path.join('/a/b', '../c', './d.txt'), path.resolve('x/y', '..', 'z'), path.normalize('/a//b/../c/.'), path.relative('/a/b/c', '/a/d'));
console.log(path.basename('/x/y/file.tar.gz', '.gz'), path.extname('a/b.c.d'), path.dirname('/a/b/c'), path.isAbsolute('a'), path.sep, path.delimiter);
console.log(JSON.stringify(path.parse('/home/u/f.txt')), path.format({ dir: '/d', name: 'n', ext: '.e' }), path.posix === path, require('path/posix') === path);
const url = require('url');
const u = url.parse('https://user:pw@Example.com:8080/p/a/t/h?query=string&a=1&a=2#hash', true);
console.log(u.protocol, u.auth, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.href);
console.log(JSON.stringify(u.query), url.parse('/rel?x=1').query, url.parse('//h/p', false, true).host);
console.log(url.format({ protocol: 'http', hostname: 'h.com', pathname: '/x', query: { a: 1, b: ['c', 'd'] } }), url.format(new URL('http://a.com/b?c#d')));
console.log(url.resolve('http://a.com/b/c', '../d'), url.resolve('/one/two', 'three'), url.URL === URL, url.URLSearchParams === URLSearchParams);
console.log(url.fileURLToPath('file:///tmp/a%20b.txt'), url.pathToFileURL('/tmp/a b#c.txt').href, url.domainToASCII('español.com'), url.domainToUnicode('xn--espaol-zwa.com'), JSON.stringify(url.domainToASCII('xn--iñvalid.com')));
console.log(JSON.stringify(url.urlToHttpOptions(new URL('https://a:b@h.com:81/p?q'))));
const qs = require('querystring');
console.log(qs.parse('a=1&b=x+y&a=2&c&d=%E2%82%AC&e=%zz&f=%ff'), qs.stringify({ a: [1, 2], b: 'x y', c: true, d: null, e: 3n, f: '€' }));
console.log(qs.parse('a:1;b:2', ';', ':'), qs.escape('a b&'), qs.unescape('a%20b%'), qs.decode === qs.parse);
"#;
    let expected = r#"
/a/c/d.txt /x/z /a/c ../../d
file.tar .d /a/b false / :
{"root":"/","dir":"/home/u","base":"f.txt","ext":".txt","name":"f"} /d/n.e true true
https: user:pw example.com:8080 example.com 8080 /p/a/t/h ?query=string&a=1&a=2 #hash https://user:pw@example.com:8080/p/a/t/h?query=string&a=1&a=2#hash
{"query":"string","a":["1","2"]} x=1 h
http://h.com/x?a=1&b=c&b=d http://a.com/b?c#d
http://a.com/d /one/three true true
/tmp/a b.txt file:///tmp/a%20b%23c.txt xn--espaol-zwa.com español.com ""
{"protocol":"https:","hostname":"h.com","hash":"","search":"?q","pathname":"/p","path":"/p?q","href":"https://a:b@h.com:81/p?q","port":81,"auth":"a:b"}
[Object: null prototype] {
  a: [ '1', '2' ],
  b: 'x y',
  c: '',
  d: '€',
  e: '%zz',
  f: '�'
} a=1&a=2&b=x%20y&c=true&d=&e=3&f=%E2%82%AC
[Object: null prototype] { a: '1', b: '2' } a%20b%26 a b% true
"#;
    assert_eq!(script_output(script), expected.trim());
}
