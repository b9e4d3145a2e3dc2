//! The JS-written web platform globals (`guest/src/web/<api>/`, JS only): spec-derived
//! cases for each API family, run through the library like any script.

use crate::support::{module_logs, script_logs as logs, script_value as value};

// ---------------------------------------------------------------- DOMException

#[test]
fn dom_exception_names_messages_and_legacy_codes() {
    assert_eq!(
        value(
            "const e = new DOMException('gone', 'NotFoundError');
             [e.name, e.message, e.code, e instanceof Error, e instanceof DOMException,
              Object.prototype.toString.call(e), String(e),
              new DOMException('x', 'AbortError').code, new DOMException('x', 'NoSuchError').code,
              new DOMException().name, new DOMException().message,
              new DOMException('t', { name: 'TimeoutError', cause: 7 }).cause,
              DOMException.INDEX_SIZE_ERR, DOMException.prototype.DATA_CLONE_ERR,
              e.VALIDATION_ERR, Object.getOwnPropertyDescriptor(DOMException, 'ABORT_ERR').writable]"
        ),
        r#"["NotFoundError","gone",8,true,true,"[object DOMException]","NotFoundError: gone",20,0,"Error","",7,1,25,16,false]"#
    );
}

#[test]
fn dom_exception_is_thrown_and_caught_like_an_error() {
    assert_eq!(
        logs(
            "try { throw new DOMException('no', 'SyntaxError'); }
             catch (e) { console.log(e.name, e.code, typeof e.stack); }"
        ),
        ["SyntaxError 12 string"]
    );
}

// ---------------------------------------------------------------- events

#[test]
fn dispatch_runs_capture_listeners_first_then_in_registration_order() {
    assert_eq!(
        value(
            "const t = new EventTarget(), order = [];
             t.addEventListener('x', () => order.push('a'));
             t.addEventListener('x', { handleEvent(e) { order.push('b:' + (this !== t) + e.eventPhase); } });
             t.addEventListener('x', (e) => order.push('capture:' + (e.target === t)), { capture: true });
             t.addEventListener('x', () => order.push('dup'));
             t.addEventListener('other', () => order.push('other'));
             const ev = new Event('x');
             const result = t.dispatchEvent(ev);
             [order, result, ev.eventPhase, ev.currentTarget, ev.target === t]"
        ),
        r#"[["capture:true","a","b:true2","dup"],true,0,null,true]"#
    );
}

#[test]
fn duplicate_listeners_are_ignored_and_capture_distinguishes_them() {
    assert_eq!(
        value(
            "const t = new EventTarget(); let n = 0; const f = () => n++;
             t.addEventListener('x', f); t.addEventListener('x', f); t.addEventListener('x', f, true);
             t.dispatchEvent(new Event('x'));
             t.removeEventListener('x', f);
             t.dispatchEvent(new Event('x'));
             t.removeEventListener('x', f, { capture: true });
             t.dispatchEvent(new Event('x'));
             n"
        ),
        "3"
    );
}

#[test]
fn once_listeners_run_once_and_removed_listeners_never_run() {
    assert_eq!(
        value(
            "const t = new EventTarget(), seen = [];
             t.addEventListener('x', () => seen.push('once'), { once: true });
             const late = () => seen.push('late');
             t.addEventListener('x', () => { seen.push('remover'); t.removeEventListener('x', late); });
             t.addEventListener('x', late);
             t.dispatchEvent(new Event('x'));
             t.dispatchEvent(new Event('x'));
             seen"
        ),
        r#"["once","remover","remover"]"#
    );
}

#[test]
fn stop_immediate_propagation_skips_the_remaining_listeners() {
    assert_eq!(
        value(
            "const t = new EventTarget(), seen = [];
             t.addEventListener('x', (e) => { seen.push(1); e.stopImmediatePropagation(); });
             t.addEventListener('x', () => seen.push(2));
             t.dispatchEvent(new Event('x'));
             const stopped = new EventTarget();
             stopped.addEventListener('x', (e) => { seen.push('cap'); e.stopPropagation(); }, true);
             stopped.addEventListener('x', () => seen.push('bubble'));
             stopped.dispatchEvent(new Event('x'));
             seen"
        ),
        r#"[1,"cap"]"#
    );
}

#[test]
fn prevent_default_needs_cancelable_and_a_non_passive_listener() {
    assert_eq!(
        value(
            "const t = new EventTarget();
             t.addEventListener('c', (e) => e.preventDefault());
             t.addEventListener('p', (e) => e.preventDefault(), { passive: true });
             const c = new Event('c', { cancelable: true }), n = new Event('c'),
                   p = new Event('p', { cancelable: true });
             [t.dispatchEvent(c), c.defaultPrevented, t.dispatchEvent(n), n.defaultPrevented,
              t.dispatchEvent(p), p.defaultPrevented, c.returnValue]"
        ),
        "[false,true,true,false,true,false,false]"
    );
}

#[test]
fn abort_signal_removes_a_listener() {
    assert_eq!(
        value(
            "const t = new EventTarget(), c = new AbortController(); let n = 0;
             t.addEventListener('x', () => n++, { signal: c.signal });
             t.dispatchEvent(new Event('x'));
             c.abort();
             t.dispatchEvent(new Event('x'));
             t.addEventListener('x', () => n++, { signal: c.signal });
             t.dispatchEvent(new Event('x'));
             let bad; try { t.addEventListener('x', () => {}, { signal: {} }); } catch (e) { bad = e.name; }
             [n, bad]"
        ),
        r#"[1,"TypeError"]"#
    );
}

#[test]
fn listener_exceptions_are_reported_not_thrown() {
    assert_eq!(
        logs(
            "const t = new EventTarget();
             t.addEventListener('x', () => { throw new RangeError('bad listener'); });
             t.addEventListener('x', () => console.log('second still runs'));
             t.addEventListener('x', { handleEvent: 42 });
             console.log('dispatch returned', t.dispatchEvent(new Event('x')));"
        )
        .iter()
        .map(|m| m.lines().next().unwrap_or_default().to_owned())
        .collect::<Vec<_>>(),
        [
            "Uncaught RangeError: bad listener",
            "second still runs",
            "Uncaught TypeError: The listener's handleEvent is not a function",
            "dispatch returned true",
        ]
    );
}

#[test]
fn dispatching_an_event_twice_at_once_is_an_invalid_state_error() {
    assert_eq!(
        value(
            "const t = new EventTarget(), e = new Event('x'); let inner;
             t.addEventListener('x', () => { try { t.dispatchEvent(e); } catch (x) { inner = [x.name, x.code]; } });
             t.dispatchEvent(e);
             let notEvent; try { t.dispatchEvent({ type: 'x' }); } catch (x) { notEvent = x.name; }
             [inner, notEvent]"
        ),
        r#"[["InvalidStateError",11],"TypeError"]"#
    );
}

#[test]
fn event_and_custom_event_shapes() {
    assert_eq!(
        value(
            "const e = new CustomEvent('hello', { detail: { n: 1 }, bubbles: true });
             [e.type, e.detail, e.bubbles, e.cancelable, e.composed, e.isTrusted,
              e instanceof Event, String(e), new CustomEvent('x').detail,
              Event.AT_TARGET, e.BUBBLING_PHASE, typeof e.timeStamp,
              new ErrorEvent('error', { message: 'm', error: 5 }).error,
              EventTarget.prototype.addEventListener.length, EventTarget.prototype.dispatchEvent.name]"
        ),
        r#"["hello",{"n":1},true,false,false,false,true,"[object CustomEvent]",null,2,3,"number",5,2,"dispatchEvent"]"#
    );
}

// ---------------------------------------------------------------- globals

#[test]
fn report_error_dispatches_an_error_event_then_logs_unless_canceled() {
    assert_eq!(
        logs(
            "addEventListener('error', (e) => {
               console.log('saw', e.message, e.error.message, e instanceof ErrorEvent);
               if (e.error.message === 'handled') e.preventDefault();
             });
             reportError(new Error('handled'));
             reportError('plain');"
        ),
        [
            "saw Uncaught Error: handled handled true",
            "saw Uncaught plain undefined true",
            "Uncaught plain"
        ]
    );
}

#[test]
fn queue_microtask_runs_after_the_script_and_reports_exceptions() {
    assert_eq!(
        logs(
            "queueMicrotask(() => console.log('second'));
             queueMicrotask(() => { throw new Error('in microtask'); });
             queueMicrotask(() => console.log('third'));
             console.log('first');
             let bad; try { queueMicrotask(1); } catch (e) { console.log(e.name); }"
        )
        .iter()
        .map(|m| m.lines().next().unwrap_or_default().to_owned())
        .collect::<Vec<_>>(),
        [
            "first",
            "TypeError",
            "second",
            "Uncaught Error: in microtask",
            "third"
        ]
    );
}

#[test]
fn self_navigator_and_the_global_event_target() {
    assert_eq!(
        value(
            "[self === globalThis, navigator.userAgent, String(navigator),
              globalThis instanceof EventTarget, typeof dispatchEvent,
              Object.keys(globalThis).includes('Event')]"
        ),
        r#"[true,"jsbox/0.1","[object Navigator]",true,"function",false]"#
    );
}

// ---------------------------------------------------------------- abort

#[test]
fn abort_controller_aborts_once_with_a_default_abort_error() {
    assert_eq!(
        logs(
            "const c = new AbortController(), s = c.signal;
             console.log(s.aborted, s.reason, String(s), s instanceof EventTarget);
             s.onabort = (e) => console.log('onabort', e.type, e.target === s);
             s.addEventListener('abort', () => console.log('listener'));
             c.abort();
             c.abort('again');
             console.log(s.aborted, s.reason.name, s.reason.code, s.reason instanceof DOMException);
             try { s.throwIfAborted(); } catch (e) { console.log('threw', e === s.reason); }
             const r = new AbortController(); r.abort('why'); console.log(r.signal.reason);
             try { new AbortSignal(); } catch (e) { console.log(e.name); }"
        ),
        [
            "false undefined [object AbortSignal] true",
            "onabort abort true",
            "listener",
            "true AbortError 20 true",
            "threw true",
            "why",
            "TypeError",
        ]
    );
}

#[test]
fn abort_signal_abort_and_any() {
    assert_eq!(
        value(
            "const pre = AbortSignal.abort();
             const a = new AbortController(), b = new AbortController();
             const any = AbortSignal.any([a.signal, b.signal]);
             const nested = AbortSignal.any([any]);
             const events = [];
             any.onabort = () => events.push('any');
             nested.onabort = () => events.push('nested:' + nested.reason);
             b.abort('from b');
             a.abort('from a');
             const early = AbortSignal.any([new AbortController().signal, AbortSignal.abort('x')]);
             let bad; try { AbortSignal.any([{}]); } catch (e) { bad = e.name; }
             [pre.aborted, pre.reason.name, AbortSignal.abort(3).reason, any.aborted, any.reason,
              events, early.aborted, early.reason, bad]"
        ),
        r#"[true,"AbortError",3,true,"from b",["any","nested:from b"],true,"x","TypeError"]"#
    );
}

#[test]
fn abort_signal_timeout_uses_set_timeout_found_at_call_time() {
    assert_eq!(
        module_logs(
            "delete globalThis.setTimeout;
             try { AbortSignal.timeout(10); } catch (e) { console.log(e.name, e.message); }
             try { AbortSignal.timeout(-1); } catch (e) { console.log(e.name); }
             globalThis.setTimeout = (callback, ms) => { console.log('timer', ms); queueMicrotask(callback); };
             const s = AbortSignal.timeout(25.9);
             console.log(s.aborted);
             await new Promise((resolve) => s.addEventListener('abort', resolve));
             console.log(s.reason.name, s.reason.code);"
        ),
        [
            "TypeError AbortSignal.timeout needs setTimeout",
            "TypeError",
            "timer 25",
            "false",
            "TimeoutError 23",
        ]
    );
}

// ---------------------------------------------------------------- Blob, File, FormData

#[test]
fn blob_parts_size_type_and_text() {
    assert_eq!(
        module_logs(
            "const b = new Blob(['héllo ', new Uint8Array([65, 66]), new Blob(['!']),
                                new Uint16Array([0x4443]).buffer, new DataView(new Uint8Array([69, 70, 71]).buffer, 1, 1)],
                               { type: 'Text/Plain' });
             console.log(b.size, b.type, await b.text(), String(b), b instanceof Blob);
             console.log(JSON.stringify([...await b.slice(0, 3).bytes()]), (await b.arrayBuffer()).byteLength);
             console.log(new Blob([], { type: 'a/\\u00e9' }).type === '', new Blob(['\\ud800']).size,
                         await new Blob(['a\\r\\nb\\rc'], { endings: 'native' }).text() === 'a\\nb\\nc');
             try { new Blob('abc'); } catch (e) { console.log(e.name); }"
        ),
        [
            "13 text/plain héllo AB!CDF [object Blob] true",
            "[104,195,169] 13",
            "true 3 true",
            "TypeError",
        ]
    );
}

#[test]
fn blob_slice_clamps_negative_and_out_of_range_indices() {
    assert_eq!(
        module_logs(
            "const b = new Blob(['0123456789']);
             const cases = [[-3], [2, -2], [-100, 3], [5, 2], [8, 100], [undefined, 4], [1.9, 3.2]];
             const out = [];
             for (const args of cases) out.push(await b.slice(...args).text());
             console.log(JSON.stringify(out), b.slice(0, 1, 'X/Y').type, b.slice().type);"
        ),
        [r#"["789","234567","012","","89","0123","12"] x/y "#]
    );
}

#[test]
fn strings_are_utf8_encoded_and_decoded_without_text_encoder() {
    // Bodies use the encoder and decoder captured at start, not the globals.
    assert_eq!(
        module_logs(
            "delete globalThis.TextEncoder; delete globalThis.TextDecoder;
             const b = new Blob(['aé€😀\\ud800']);
             console.log(b.size, JSON.stringify([...await b.bytes()]));
             console.log(await b.text(), await new Blob([new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xe2, 0x82, 0xff, 0xf0, 0x9f, 0x98, 0x80])]).text());"
        ),
        [
            "13 [97,195,169,226,130,172,240,159,152,128,239,191,189]",
            "aé€😀\u{fffd} a\u{fffd}\u{fffd}😀",
        ]
    );
}

#[test]
fn file_has_a_name_and_last_modified() {
    assert_eq!(
        value(
            "const f = new File(['abc'], 'a.txt', { type: 'text/plain', lastModified: 42 });
             const now = new File([], 'n').lastModified;
             let bad; try { new File(['x']); } catch (e) { bad = e.name; }
             [f.name, f.size, f.type, f.lastModified, f instanceof Blob, String(f),
              Math.abs(now - Date.now()) < 60000, bad]"
        ),
        r#"["a.txt",3,"text/plain",42,true,"[object File]",true,"TypeError"]"#
    );
}

#[test]
fn form_data_keeps_order_and_wraps_blobs_in_files() {
    assert_eq!(
        value(
            "const fd = new FormData();
             fd.append('a', '1'); fd.append('b', new Blob(['xy'], { type: 'text/x' })); fd.append('a', 2);
             fd.append('c', new File(['z'], 'orig.txt'), 'renamed.txt'); fd.append('a', '3');
             fd.set('a', 'first');
             const show = (v) => typeof v === 'string' ? v : [v.constructor.name, v.name, v.type, v.size];
             const entries = [...fd].map(([k, v]) => [k, show(v)]);
             fd.set('d', 'new');
             fd.delete('b');
             let bad; try { fd.append('x', 'string', 'name.txt'); } catch (e) { bad = e.name; }
             [entries, [...fd.keys()], fd.get('a'), fd.getAll('a'), fd.get('zz'), fd.has('b'), bad, String(fd)]"
        ),
        r#"[[["a","first"],["b",["File","blob","text/x",2]],["c",["File","renamed.txt","",1]]],["a","c","d"],"first",["first"],null,false,"TypeError","[object FormData]"]"#
    );
}

// ---------------------------------------------------------------- Headers

#[test]
fn headers_are_case_insensitive_and_combine_values() {
    assert_eq!(
        value(
            "const h = new Headers({ 'Content-Type': 'text/plain', 'X-Multi': ' a ' });
             h.append('x-MULTI', 'b');
             h.append('Set-Cookie', 'a=1'); h.append('set-cookie', 'b=2');
             const before = [h.get('X-MULTI'), h.get('set-cookie'), h.getSetCookie(), h.has('CONTENT-type'), h.get('missing')];
             h.set('X-Multi', 'c'); h.delete('content-type');
             [before, h.get('x-multi'), h.has('Content-Type'), String(h)]"
        ),
        r#"[["a, b","a=1, b=2",["a=1","b=2"],true,null],"c",false,"[object Headers]"]"#
    );
}

#[test]
fn headers_iterate_sorted_with_set_cookie_apart() {
    assert_eq!(
        value(
            "const h = new Headers([['Zeta', '1'], ['set-cookie', 'x=1'], ['Alpha', '2'], ['zeta', '3'], ['Set-Cookie', 'y=2']]);
             const seen = [];
             h.forEach((value, name, self) => seen.push(`${name}=${value}:${self === h}`));
             [[...h], [...h.keys()], [...h.values()], seen, [...new Headers(h).entries()].length]"
        ),
        r#"[[["alpha","2"],["set-cookie","x=1"],["set-cookie","y=2"],["zeta","1, 3"]],["alpha","set-cookie","set-cookie","zeta"],["2","x=1","y=2","1, 3"],["alpha=2:true","set-cookie=x=1:true","set-cookie=y=2:true","zeta=1, 3:true"],4]"#
    );
}

#[test]
fn headers_reject_invalid_names_and_values() {
    assert_eq!(
        value(
            "const h = new Headers();
             const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.name; } };
             [attempt(() => h.append('bad name', 'v')), attempt(() => h.append('', 'v')),
              attempt(() => h.append('x', 'a\\nb')), attempt(() => h.append('x', 'nul\\0')),
              attempt(() => h.append('x', '€')), attempt(() => h.get('bad:name')),
              attempt(() => new Headers([['only-one']])), attempt(() => new Headers('x')),
              attempt(() => h.append('x', ' \\t padded \\t ')), h.get('x'), attempt(() => h.append('é', '1'))]"
        ),
        r#"["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","ok","padded","TypeError"]"#
    );
}

#[test]
fn headers_normalize_every_spelling_and_keep_values_that_need_the_slow_check() {
    // Names come from a cache of normalized names and most values skip the
    // regular expressions: every other spelling and value must still work.
    assert_eq!(
        value(
            "const h = new Headers({ 'Content-Type': 'a/b', 'X-Odd-Name': 'v' });
             h.append('CONTENT-TYPE', '50% off; q=\"x y\"');
             h.append('host', ' \\tcaf\\u00e9\\t ');
             h.set('X-ODD-name', 'w');
             const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.name; } };
             [h.get('content-type'), h.get('x-odd-name'), h.get('Host'), [...h.keys()],
              attempt(() => h.append('Content-Type', 'lone \\ud800')),
              attempt(() => h.append('Content-Type\\n', 'v')),
              attempt(() => h.append(Symbol('x'), 'v')),
              h.get({ toString: () => 'Content-Type' })]"
        ),
        r#"["a/b, 50% off; q=\"x y\"","w","café",["content-type","host","x-odd-name"],"TypeError","TypeError","TypeError","a/b, 50% off; q=\"x y\""]"#
    );
}

#[test]
fn headers_set_and_delete_keep_the_order_of_the_rest() {
    assert_eq!(
        value(
            "const h = new Headers([['a', '1'], ['b', '2'], ['a', '3'], ['c', '4'], ['set-cookie', 'x'], ['set-cookie', 'y']]);
             const copy = new Headers(h);
             h.set('a', '5');
             const afterSet = [...h];
             h.delete('set-cookie');
             [afterSet, [...h], h.getSetCookie(), [...copy], copy.getSetCookie()]"
        ),
        r#"[[["a","5"],["b","2"],["c","4"],["set-cookie","x"],["set-cookie","y"]],[["a","5"],["b","2"],["c","4"]],[],[["a","1, 3"],["b","2"],["c","4"],["set-cookie","x"],["set-cookie","y"]],["x","y"]]"#
    );
}

// ---------------------------------------------------------------- Request, Response

#[test]
fn request_normalizes_methods_and_keeps_its_parts() {
    assert_eq!(
        value(
            "const r = new Request('https://example.com/a?b=1', { method: 'post', headers: { 'X-A': '1' }, body: 'hi' });
             const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.name; } };
             [r.method, r.url, r.headers.get('x-a'), r.headers.get('content-type'), r.redirect,
              r.signal instanceof AbortSignal, r.signal.aborted, r.bodyUsed, String(r),
              new Request('https://e.test/', { method: 'patch' }).method,
              new Request('https://e.test/', { method: 'Delete' }).method,
              new Request('https://e.test/').method,
              attempt(() => new Request('https://e.test/', { method: 'CONNECT' })),
              attempt(() => new Request('https://e.test/', { method: 'bad method' })),
              attempt(() => new Request('https://e.test/', { body: 'x' })),
              attempt(() => new Request('https://e.test/', { method: 'HEAD', body: 'x' })),
              attempt(() => new Request('not a url')),
              attempt(() => new Request('https://e.test/', { redirect: 'sideways' }))]"
        ),
        r#"["POST","https://example.com/a?b=1","1","text/plain;charset=UTF-8","follow",true,false,false,"[object Request]","patch","DELETE","GET","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError"]"#
    );
}

#[test]
fn a_request_signal_is_made_on_first_read_and_follows_the_given_one() {
    // A request given no signal gets its own only when asked for it.
    assert_eq!(
        value(
            "const plain = new Request('https://e.test/');
             const first = plain.signal;
             const controller = new AbortController();
             const following = new Request('https://e.test/', { signal: controller.signal });
             const copy = new Request(following);
             const clone = plain.clone();
             controller.abort('stop');
             [first === plain.signal, first instanceof AbortSignal, first.aborted,
              following.signal.aborted, following.signal.reason, copy.signal.aborted,
              clone.signal !== first, clone.signal.aborted]"
        ),
        r#"[true,true,false,true,"stop",true,true,false]"#
    );
}

#[test]
fn request_and_redirect_urls_are_serialized_or_refused() {
    assert_eq!(
        value(
            "const message = (f) => { try { f(); return 'ok'; } catch (e) { return `${e.name}: ${e.message}`; } };
             [new Request('HTTP://Example.COM:80/a/../b?q=1#h').url,
              message(() => new Request('https://user:pw@e.test/')),
              message(() => new Request('/relative')),
              Response.redirect('https://user@e.test/x').headers.get('location'),
              message(() => Response.redirect('nope'))]"
        ),
        r#"["http://example.com/b?q=1#h","TypeError: Request: the URL 'https://user:pw@e.test/' includes credentials","TypeError: '/relative' is not a valid URL","https://user@e.test/x","TypeError: 'nope' is not a valid URL"]"#
    );
}

#[test]
fn response_json_refuses_null_body_statuses_and_keeps_a_given_type() {
    assert_eq!(
        module_logs(
            "const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.name; } };
             const typed = Response.json([1], { headers: { 'content-type': 'application/x+json' } });
             console.log(attempt(() => Response.json({}, { status: 204 })), typed.headers.get('content-type'),
               [...typed.headers].length, await typed.text(), attempt(() => new Response('x', { status: 304 })),
               new Response(null, { status: 204, statusText: 'Nothing' }).statusText);"
        ),
        ["TypeError application/x+json 1 [1] TypeError Nothing"]
    );
}

#[test]
fn a_body_is_consumed_once() {
    assert_eq!(
        module_logs(
            "const r = new Response('{\"a\":[1,2]}');
             console.log(r.bodyUsed, JSON.stringify(await r.json()), r.bodyUsed);
             for (const method of ['text', 'json', 'arrayBuffer', 'bytes', 'blob', 'formData']) {
               try { await r[method](); console.log(method, 'resolved'); }
               catch (e) { console.log(method, e.name); }
             }
             try { r.clone(); } catch (e) { console.log('clone', e.name); }
             const empty = new Response();
             console.log(empty.body, empty.bodyUsed, await empty.text() === '', empty.bodyUsed, await empty.text() === '');"
        ),
        [
            r#"false {"a":[1,2]} true"#,
            "text TypeError",
            "json TypeError",
            "arrayBuffer TypeError",
            "bytes TypeError",
            "blob TypeError",
            "formData TypeError",
            "clone TypeError",
            "null false true false true",
        ]
    );
}

#[test]
fn clones_read_their_bodies_independently() {
    assert_eq!(
        module_logs(
            "const res = new Response('body', { status: 201, statusText: 'Made', headers: { 'X-Y': 'z' } });
             const copy = res.clone();
             console.log(await res.text(), await copy.text(), copy.status, copy.statusText, copy.headers.get('x-y'));
             copy.headers.set('x-y', 'changed');
             console.log(res.headers.get('x-y'));
             const req = new Request('https://e.test/', { method: 'PUT', body: new Uint8Array([104, 105]) });
             const reqCopy = req.clone(), spare = req.clone();
             console.log(await req.text(), await reqCopy.text(), reqCopy.method, req.headers.has('content-type'));
             const moved = new Request(spare);
             console.log(moved.method, await moved.text(), spare.bodyUsed);"
        ),
        [
            "body body 201 Made z",
            "z",
            "hi hi PUT false",
            "PUT hi true",
        ]
    );
}

#[test]
fn constructing_a_request_from_a_request_takes_its_body() {
    assert_eq!(
        module_logs(
            "const source = new Request('https://e.test/', { method: 'POST', body: 'payload' });
             const next = new Request(source, { headers: { 'X-New': '1' } });
             console.log(source.bodyUsed, next.method, next.headers.get('x-new'), next.headers.has('content-type'), await next.text());
             try { new Request(source); } catch (e) { console.log(e.name); }
             const c = new AbortController();
             const followed = new Request(new Request('https://e.test/', { signal: c.signal }));
             c.abort('stop');
             console.log(followed.signal.aborted, followed.signal.reason);"
        ),
        ["true POST 1 false payload", "TypeError", "true stop"]
    );
}

#[test]
fn response_statuses_and_static_constructors() {
    assert_eq!(
        module_logs(
            "const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.name; } };
             console.log(attempt(() => new Response(null, { status: 199 })), attempt(() => new Response(null, { status: 600 })),
                         attempt(() => new Response(null, { status: 599 })), attempt(() => new Response('x', { status: 204 })),
                         attempt(() => new Response(null, { status: 204 })), attempt(() => new Response(null, { statusText: 'a\\nb' })),
                         attempt(() => Response.redirect('https://e.test/', 200)), attempt(() => Response.json(undefined)));
             const r = new Response('x', { status: 404 });
             console.log(r.status, r.ok, r.statusText === '', r.type, r.url === '', r.redirected, String(r));
             const j = Response.json({ a: 1 }, { status: 201, headers: { 'X-A': 'b' } });
             console.log(j.status, j.headers.get('content-type'), j.headers.get('x-a'), await j.text());
             const redirect = Response.redirect('https://e.test/next', 307);
             console.log(redirect.status, redirect.headers.get('location'), redirect.body, Response.redirect('https://e.test/').status);
             const error = Response.error();
             console.log(error.type, error.status, error.ok, error.statusText === '', error.body);"
        ),
        [
            "RangeError RangeError ok TypeError ok TypeError RangeError TypeError",
            "404 false true default true false [object Response]",
            "201 application/json b {\"a\":1}",
            "307 https://e.test/next null 302",
            "error 0 false true null",
        ]
    );
}

#[test]
fn bodies_from_each_kind_of_init() {
    assert_eq!(
        module_logs(
            "const kinds = {
               string: 'é', buffer: new Uint8Array([1, 2]).buffer, view: new Uint16Array([1]),
               blob: new Blob(['b'], { type: 'text/b' }), number: 12,
             };
             for (const [kind, init] of Object.entries(kinds)) {
               const r = new Response(init);
               console.log(kind, r.headers.get('content-type'), JSON.stringify([...await r.bytes()]));
             }
             const viaBlob = await new Response('hi', { headers: { 'Content-Type': 'Text/Custom' } }).blob();
             console.log(viaBlob.type, viaBlob.size, (await new Response(new Uint8Array([7])).arrayBuffer()).byteLength);
             const withBody = new Response('abc');
             const stream = withBody.body;
             console.log(stream instanceof ReadableStream, withBody.body === stream, withBody.bodyUsed);
             const copy = withBody.clone();
             const reader = stream.getReader();
             const first = await reader.read();
             console.log(JSON.stringify([...first.value]), (await reader.read()).done, withBody.bodyUsed);
             try { await withBody.text(); } catch (e) { console.log('text', e.name); }
             try { withBody.clone(); } catch (e) { console.log('clone', e.name); }
             console.log(await copy.text(), (await new Response('').body.getReader().read()).done);"
        ),
        [
            "string text/plain;charset=UTF-8 [195,169]",
            "buffer null [1,2]",
            "view null [1,0]",
            "blob text/b [98]",
            "number text/plain;charset=UTF-8 [49,50]",
            "text/custom 2 1",
            "true true false",
            "[97,98,99] true true",
            "text TypeError",
            "clone TypeError",
            "abc true",
        ]
    );
}

#[test]
fn form_data_bodies_round_trip_through_multipart_and_urlencoded() {
    assert_eq!(
        module_logs(
            "const fd = new FormData();
             fd.append('text', 'line1\\nline2 é');
             fd.append('file', new File(['\\u00ff bytes'], 'we\"ird.txt', { type: 'text/x' }));
             fd.append('text', 'again');
             const r = new Request('https://e.test/', { method: 'POST', body: fd });
             console.log(/^multipart\\/form-data; boundary=/.test(r.headers.get('content-type')));
             const back = await r.formData();
             for (const [name, value] of back) {
               console.log(name, typeof value === 'string' ? JSON.stringify(value)
                 : [value.name, value.type, value.size, await value.text()].join('|'));
             }
             const form = new Response('a=1&b=%C3%A9+x&&c&a=2', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
             console.log(JSON.stringify([...await form.formData()]));
             try { await new Response('x').formData(); } catch (e) { console.log(e.name); }"
        ),
        [
            "true",
            r#"text "line1\r\nline2 é""#,
            "file we\"ird.txt|text/x|8|ÿ bytes",
            r#"text "again""#,
            r#"[["a","1"],["b","é x"],["c",""],["a","2"]]"#,
            "TypeError",
        ]
    );
}

// ---------------------------------------------------------------- the global object

/// Every name this half of the web platform defines.
const OURS: [&str; 23] = [
    "AbortController",
    "AbortSignal",
    "Blob",
    "CustomEvent",
    "DOMException",
    "ErrorEvent",
    "Event",
    "EventTarget",
    "File",
    "FormData",
    "Headers",
    "ReadableStream",
    "ReadableStreamDefaultController",
    "ReadableStreamDefaultReader",
    "Request",
    "Response",
    "ByteLengthQueuingStrategy",
    "CountQueuingStrategy",
    "fetch",
    "navigator",
    "queueMicrotask",
    "reportError",
    "self",
];

#[test]
fn only_the_intended_globals_are_defined_and_none_is_enumerable() {
    let names: Vec<String> = serde_json::from_str(&value("Object.getOwnPropertyNames(globalThis)"))
        .expect("a JSON array");
    for name in OURS {
        assert!(names.iter().any(|n| n == name), "{name} is missing");
    }
    assert_eq!(
        value(&format!(
            "const ours = {OURS:?};
             ours.filter((n) => Object.getOwnPropertyDescriptor(globalThis, n).enumerable)"
        )),
        "[]"
    );
    // Names that are neither ECMAScript's, QuickJS's, the guest's own
    // (`console`, `context`) nor the native half's must be ours.
    let unexpected: Vec<&String> = names
        .iter()
        .filter(|n| !OURS.contains(&n.as_str()) && !OTHERS.contains(&n.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "unexpected globals: {unexpected:?}");
}

/// Globals defined by ECMAScript and QuickJS, by the guest itself
/// (`console`, `context`, Node's `global`/`Buffer`/`process`) and by the
/// native half of the web platform.
const OTHERS: &[&str] = &[
    // ECMAScript and QuickJS.
    "Object",
    "Function",
    "Array",
    "Number",
    "parseFloat",
    "parseInt",
    "Infinity",
    "NaN",
    "undefined",
    "Boolean",
    "String",
    "Symbol",
    "Date",
    "Promise",
    "RegExp",
    "Error",
    "AggregateError",
    "EvalError",
    "RangeError",
    "ReferenceError",
    "SyntaxError",
    "TypeError",
    "URIError",
    "InternalError",
    "SuppressedError",
    "globalThis",
    "JSON",
    "Math",
    "Intl",
    "ArrayBuffer",
    "Uint8Array",
    "Int8Array",
    "Uint16Array",
    "Int16Array",
    "Uint32Array",
    "Int32Array",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "Uint8ClampedArray",
    "BigUint64Array",
    "BigInt64Array",
    "DataView",
    "Map",
    "BigInt",
    "Set",
    "WeakMap",
    "WeakSet",
    "Proxy",
    "Reflect",
    "FinalizationRegistry",
    "WeakRef",
    "Iterator",
    "decodeURI",
    "decodeURIComponent",
    "encodeURI",
    "encodeURIComponent",
    "escape",
    "unescape",
    "eval",
    "isFinite",
    "isNaN",
    "SharedArrayBuffer",
    "Atomics",
    "performance",
    "gc",
    "DisposableStack",
    "AsyncDisposableStack",
    // The guest.
    "console",
    "context",
    // A classic script's CommonJS globals (`require.js`).
    "require",
    "module",
    "exports",
    "__filename",
    "__dirname",
    // Node's globals (`node/globals.js`).
    "global",
    "Buffer",
    "process",
    // The native half of the web platform.
    "TextEncoder",
    "TextDecoder",
    "URL",
    "URLSearchParams",
    "atob",
    "btoa",
    "structuredClone",
    "crypto",
    "Crypto",
    "SubtleCrypto",
    "CryptoKey",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
];
