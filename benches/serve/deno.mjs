// Deno.serve with the same handler as `jsbox serve`: the reference of
// benches/serve.sh. One isolate, reused by every request, no limits.
import handler from './handler.mjs';

const port = Number(Deno.args[0] ?? 18081);
Deno.serve({ hostname: '127.0.0.1', port, onListen() {} }, (request) => handler.fetch(request));
