// atob and btoa; see base64.rs.
(function (native, helpers) {
  const { domError, defineGlobal, usv } = helpers;

  function checkArity(name, count) {
    if (count < 1) {
      throw new TypeError(`${name}: 1 argument required, but only 0 present`);
    }
  }

  function btoa(data) {
    checkArity('btoa', arguments.length);
    const encoded = native.encode(usv(data));
    if (encoded === undefined) {
      throw domError('InvalidCharacterError', 'btoa: the string contains characters outside of the Latin1 range');
    }
    return encoded;
  }

  function atob(data) {
    checkArity('atob', arguments.length);
    const decoded = native.decode(usv(data));
    if (decoded === undefined) {
      throw domError('InvalidCharacterError', 'atob: the string to be decoded is not correctly encoded');
    }
    return decoded;
  }

  defineGlobal('btoa', btoa);
  defineGlobal('atob', atob);
})
