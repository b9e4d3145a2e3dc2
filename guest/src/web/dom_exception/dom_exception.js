// `DOMException` (WebIDL §2.8.1).
//
// An Error subclass: `instanceof Error` holds, and the stack is captured at
// construction. `name`, `message` and `code` are prototype getters as in the
// spec; `code` comes from the legacy code table (0 for names not in it), and
// the legacy `*_ERR` constants are on both the constructor and prototype.
// The second argument may be a name or, as in recent WebIDL, an options
// object `{ name, cause }`.
// Divergences: instances also carry QuickJS's own `stack` property, and
// `structuredClone` support is up to the native half.
(function domException(internal) {
  'use strict';

  // Legacy names and codes, in code order; code 2, 6 and 16 have constants
  // but no name any more.
  const LEGACY = [
    ['IndexSizeError', 'INDEX_SIZE_ERR', 1],
    [null, 'DOMSTRING_SIZE_ERR', 2],
    ['HierarchyRequestError', 'HIERARCHY_REQUEST_ERR', 3],
    ['WrongDocumentError', 'WRONG_DOCUMENT_ERR', 4],
    ['InvalidCharacterError', 'INVALID_CHARACTER_ERR', 5],
    [null, 'NO_DATA_ALLOWED_ERR', 6],
    ['NoModificationAllowedError', 'NO_MODIFICATION_ALLOWED_ERR', 7],
    ['NotFoundError', 'NOT_FOUND_ERR', 8],
    ['NotSupportedError', 'NOT_SUPPORTED_ERR', 9],
    ['InUseAttributeError', 'INUSE_ATTRIBUTE_ERR', 10],
    ['InvalidStateError', 'INVALID_STATE_ERR', 11],
    ['SyntaxError', 'SYNTAX_ERR', 12],
    ['InvalidModificationError', 'INVALID_MODIFICATION_ERR', 13],
    ['NamespaceError', 'NAMESPACE_ERR', 14],
    ['InvalidAccessError', 'INVALID_ACCESS_ERR', 15],
    [null, 'VALIDATION_ERR', 16],
    ['TypeMismatchError', 'TYPE_MISMATCH_ERR', 17],
    ['SecurityError', 'SECURITY_ERR', 18],
    ['NetworkError', 'NETWORK_ERR', 19],
    ['AbortError', 'ABORT_ERR', 20],
    ['URLMismatchError', 'URL_MISMATCH_ERR', 21],
    ['QuotaExceededError', 'QUOTA_EXCEEDED_ERR', 22],
    ['TimeoutError', 'TIMEOUT_ERR', 23],
    ['InvalidNodeTypeError', 'INVALID_NODE_TYPE_ERR', 24],
    ['DataCloneError', 'DATA_CLONE_ERR', 25],
  ];
  const CODES = new Map(
    LEGACY.filter(([name]) => name !== null).map(([name, , code]) => [name, code]),
  );

  class DOMException extends Error {
    #name;
    #message;

    constructor(message = '', options = 'Error') {
      super();
      this.#message = internal.toDOMString(message);
      if (options !== null && typeof options === 'object') {
        this.#name = options.name === undefined ? 'Error' : internal.toDOMString(options.name);
        if ('cause' in options) {
          Object.defineProperty(this, 'cause', {
            value: options.cause,
            writable: true,
            configurable: true,
          });
        }
      } else {
        this.#name = internal.toDOMString(options);
      }
    }

    get name() {
      return this.#name;
    }

    get message() {
      return this.#message;
    }

    get code() {
      return CODES.get(this.#name) ?? 0;
    }
  }

  const constants = Object.fromEntries(
    LEGACY.map(([, constant, code]) => [
      constant,
      { value: code, enumerable: true, writable: false, configurable: false },
    ]),
  );
  Object.defineProperties(DOMException, constants);
  Object.defineProperties(DOMException.prototype, constants);
  internal.brand(DOMException);
  internal.defineGlobals({ DOMException });
})
