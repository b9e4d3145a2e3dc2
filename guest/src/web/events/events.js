// `Event`, `EventTarget`, `CustomEvent` and `ErrorEvent` (DOM §2, HTML
// §8.1.7.3 for ErrorEvent).
//
// There is no DOM tree, so an event's path is its target alone: capturing
// listeners run first, then the others, all in the AT_TARGET phase;
// `bubbles` and `composed` are kept but have nothing to act on.
// `addEventListener` supports `capture`, `once`, `passive` and `signal`;
// duplicate (type, callback, capture) registrations are ignored; a removed
// listener never runs, even during the dispatch that removed it. Listener
// exceptions are passed to `reportError` and never escape `dispatchEvent`.
// Divergences: `isTrusted` is always false (no user agent dispatches here);
// `timeStamp` is `performance.now()` when that exists at construction time
// and `Date.now()` otherwise; the legacy `initEvent` and `returnValue`
// setters' tree behaviors are absent (`returnValue` and `cancelBubble` work).
(function events(internal) {
  'use strict';

  const { DOMException } = globalThis;
  const NONE = 0;
  const CAPTURING_PHASE = 1;
  const AT_TARGET = 2;
  const BUBBLING_PHASE = 3;

  let eventState;

  class Event {
    #type;
    #bubbles;
    #cancelable;
    #composed;
    #timeStamp;
    #target = null;
    #currentTarget = null;
    #phase = NONE;
    #canceled = false;
    #stopPropagation = false;
    #stopImmediate = false;
    #inPassiveListener = false;
    #dispatching = false;

    constructor(type, eventInitDict = {}) {
      if (arguments.length === 0) {
        throw new TypeError("Event constructor: 'type' argument is required");
      }
      this.#type = internal.toDOMString(type);
      this.#bubbles = Boolean(eventInitDict?.bubbles);
      this.#cancelable = Boolean(eventInitDict?.cancelable);
      this.#composed = Boolean(eventInitDict?.composed);
      const { performance } = globalThis;
      this.#timeStamp =
        typeof performance?.now === 'function' ? performance.now() : Date.now();
    }

    get type() { return this.#type; }
    get target() { return this.#target; }
    get srcElement() { return this.#target; }
    get currentTarget() { return this.#currentTarget; }
    get eventPhase() { return this.#phase; }
    get bubbles() { return this.#bubbles; }
    get cancelable() { return this.#cancelable; }
    get composed() { return this.#composed; }
    get defaultPrevented() { return this.#canceled; }
    get isTrusted() { return false; }
    get timeStamp() { return this.#timeStamp; }

    composedPath() {
      return this.#dispatching ? [this.#currentTarget] : [];
    }

    stopPropagation() {
      this.#stopPropagation = true;
    }

    stopImmediatePropagation() {
      this.#stopPropagation = true;
      this.#stopImmediate = true;
    }

    get cancelBubble() { return this.#stopPropagation; }
    set cancelBubble(value) {
      if (value) this.#stopPropagation = true;
    }

    preventDefault() {
      if (this.#cancelable && !this.#inPassiveListener) this.#canceled = true;
    }

    get returnValue() { return !this.#canceled; }
    set returnValue(value) {
      if (!value) this.preventDefault();
    }

    static {
      eventState = {
        // The single-target version of DOM's "dispatch" algorithm.
        dispatch(event, target, listeners) {
          if (event.#dispatching) {
            throw new DOMException('The event is already being dispatched.', 'InvalidStateError');
          }
          event.#dispatching = true;
          event.#target = target;
          event.#currentTarget = target;
          event.#phase = AT_TARGET;
          for (const capture of [true, false]) {
            if (event.#stopPropagation) break;
            for (const listener of [...listeners]) {
              if (listener.removed || listener.type !== event.#type) continue;
              if (listener.capture !== capture) continue;
              if (listener.once) internal.removeListener(target, listener);
              event.#inPassiveListener = listener.passive;
              callListener(listener, event, target);
              event.#inPassiveListener = false;
              if (event.#stopImmediate) break;
            }
          }
          event.#phase = NONE;
          event.#currentTarget = null;
          event.#dispatching = false;
          event.#stopPropagation = false;
          event.#stopImmediate = false;
          return !event.#canceled;
        },
      };
    }
  }

  for (const [name, value] of Object.entries({ NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE })) {
    const descriptor = { value, enumerable: true, writable: false, configurable: false };
    Object.defineProperty(Event, name, descriptor);
    Object.defineProperty(Event.prototype, name, descriptor);
  }

  function callListener(listener, event, target) {
    try {
      const { callback } = listener;
      if (typeof callback === 'function') {
        callback.call(target, event);
      } else {
        const handleEvent = callback.handleEvent;
        if (typeof handleEvent !== 'function') {
          throw new TypeError("The listener's handleEvent is not a function");
        }
        handleEvent.call(callback, event);
      }
    } catch (error) {
      internal.reportError(error);
    }
  }

  // Listener lists live outside the targets so that any object, the global
  // object included, can be made an EventTarget.
  const listenerLists = new WeakMap();

  // As WebIDL does for operations of the global object, a missing `this`
  // (a bare `addEventListener(...)` call) means the global object.
  function listenersOf(target = globalThis) {
    const listeners = listenerLists.get(target);
    if (listeners === undefined) {
      throw new TypeError('Illegal invocation: not an EventTarget');
    }
    return listeners;
  }

  internal.makeEventTarget = (object) => {
    listenerLists.set(object, []);
  };

  internal.removeListener = (target, listener) => {
    const listeners = listenersOf(target);
    const index = listeners.indexOf(listener);
    listener.removed = true;
    if (index !== -1) listeners.splice(index, 1);
  };

  const flattenCapture = (options) =>
    typeof options === 'boolean' ? options : Boolean(options?.capture);

  class EventTarget {
    constructor() {
      internal.makeEventTarget(this);
    }

    addEventListener(type, callback, options = {}) {
      const target = this ?? globalThis;
      const listeners = listenersOf(target);
      type = internal.toDOMString(type);
      const capture = flattenCapture(options);
      const object = typeof options === 'object' && options !== null ? options : {};
      const once = Boolean(object.once);
      const passive = Boolean(object.passive);
      const signal = object.signal;
      if (signal !== undefined) internal.checkSignal(signal);
      if (callback === null || callback === undefined) return;
      if (typeof callback !== 'function' && typeof callback !== 'object') {
        throw new TypeError('The listener must be a function or an object');
      }
      if (signal?.aborted) return;
      const duplicate = listeners.some(
        (l) => l.type === type && l.callback === callback && l.capture === capture,
      );
      if (duplicate) return;
      const listener = { type, callback, capture, once, passive, removed: false };
      listeners.push(listener);
      if (signal !== undefined) {
        internal.addAbortAlgorithm(signal, () => {
          if (!listener.removed) internal.removeListener(target, listener);
        });
      }
    }

    removeEventListener(type, callback, options = {}) {
      const listeners = listenersOf(this);
      type = internal.toDOMString(type);
      const capture = flattenCapture(options);
      const listener = listeners.find(
        (l) => l.type === type && l.callback === callback && l.capture === capture,
      );
      if (listener !== undefined) internal.removeListener(this ?? globalThis, listener);
    }

    dispatchEvent(event) {
      const listeners = listenersOf(this);
      if (!(event instanceof Event)) {
        throw new TypeError("dispatchEvent: argument is not an Event");
      }
      return eventState.dispatch(event, this ?? globalThis, listeners);
    }
  }

  class CustomEvent extends Event {
    #detail;

    constructor(type, eventInitDict = {}) {
      super(type, eventInitDict);
      this.#detail = eventInitDict?.detail ?? null;
    }

    get detail() { return this.#detail; }
  }

  class ErrorEvent extends Event {
    #message;
    #filename;
    #lineno;
    #colno;
    #error;

    constructor(type, eventInitDict = {}) {
      super(type, eventInitDict);
      this.#message = internal.toDOMString(eventInitDict?.message ?? '');
      this.#filename = internal.toUSVString(eventInitDict?.filename ?? '');
      this.#lineno = (eventInitDict?.lineno ?? 0) >>> 0;
      this.#colno = (eventInitDict?.colno ?? 0) >>> 0;
      this.#error = eventInitDict?.error;
    }

    get message() { return this.#message; }
    get filename() { return this.#filename; }
    get lineno() { return this.#lineno; }
    get colno() { return this.#colno; }
    get error() { return this.#error; }
  }

  for (const Class of [Event, EventTarget, CustomEvent, ErrorEvent]) internal.brand(Class);
  internal.defineGlobals({ Event, EventTarget, CustomEvent, ErrorEvent });
})
