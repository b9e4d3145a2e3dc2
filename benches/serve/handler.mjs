// The small JSON handler of benches/serve.sh, served unchanged by
// `jsbox serve` and (through deno.mjs) by `Deno.serve`.
export default {
  fetch(request) {
    const items = [];
    for (let i = 0; i < 10; i++) items.push({ id: i, name: `item-${i}`, price: i * 1.5 });
    return Response.json({ ok: true, path: new URL(request.url).pathname, items });
  },
};
