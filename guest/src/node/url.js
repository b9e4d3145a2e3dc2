// `node:url`: the WHATWG `URL` and `URLSearchParams` (the web globals),
// the legacy `parse`/`format`/`resolve`/`resolveObject`/`Url` from the npm
// `url` port (vendor/url.js, Node's legacy parser of its time, with
// `parse(url, true)` building `query` through `node:querystring`), and
// `fileURLToPath`, `pathToFileURL`, `domainToASCII`, `domainToUnicode`,
// `urlToHttpOptions`. Divergences from Node: `format(URL, options)` ignores
// `options`; `fileURLToPath`/`pathToFileURL` are POSIX only; the legacy
// parser's edge cases follow the port, not Node 20's fixes.
(function url(builtin, internal) {
  'use strict';
  const legacy = internal.vendor('url');

  function invalid(code, message, Type = TypeError) {
    const error = new Type(message);
    error.code = code;
    return error;
  }

  function fileURLToPath(input) {
    const parsed = typeof input === 'string' ? new URL(input) : input;
    if (!(parsed instanceof URL)) {
      throw invalid('ERR_INVALID_ARG_TYPE', 'The "path" argument must be of type string or an instance of URL');
    }
    if (parsed.protocol !== 'file:') throw invalid('ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
    if (parsed.hostname !== '') {
      throw invalid('ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on wasi');
    }
    if (/%2f/i.test(parsed.pathname)) {
      throw invalid('ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
    }
    return decodeURIComponent(parsed.pathname);
  }

  function pathToFileURL(path) {
    const resolved = builtin('path').resolve(path);
    const trailing = path.endsWith('/') && !resolved.endsWith('/') ? '/' : '';
    // Percent-encode what a URL parser would otherwise read as syntax.
    const encoded = (resolved + trailing).replace(/[%\\\n\r\t#?]/g, (c) => encodeURIComponent(c));
    return new URL(`file://${encoded}`);
  }

  function domainToASCII(domain) {
    try {
      return new URL(`ws://${domain}`).hostname;
    } catch {
      return '';
    }
  }

  function domainToUnicode(domain) {
    const ascii = domainToASCII(domain);
    return ascii && builtin('punycode').toUnicode(ascii);
  }

  function urlToHttpOptions(url) {
    const options = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      hash: url.hash,
      search: url.search,
      pathname: url.pathname,
      path: `${url.pathname || ''}${url.search || ''}`,
      href: url.href,
    };
    if (url.port !== '') options.port = Number(url.port);
    if (url.username || url.password) {
      options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    }
    return options;
  }

  return {
    URL: globalThis.URL,
    URLSearchParams: globalThis.URLSearchParams,
    parse: legacy.parse,
    format: (object) => legacy.format(object instanceof URL ? object.href : object),
    resolve: legacy.resolve,
    resolveObject: legacy.resolveObject,
    Url: legacy.Url,
    fileURLToPath,
    pathToFileURL,
    domainToASCII,
    domainToUnicode,
    urlToHttpOptions,
  };
})
