// The handler benches/soak.sh drives: one kind of request per path, each
// ending a different way. The soak checks that every request gets the
// answer its kind should get, and that the server's memory and file
// descriptors stay flat.
const expected = new Array(20).fill(0).map((_, i) => ({ id: i, name: `item-${i}` }));

export default {
  async fetch(request) {
    switch (new URL(request.url).pathname) {
      case "/good":
        return Response.json({ ok: true, items: expected });
      case "/throw":
        throw new Error("soak: thrown on purpose");
      case "/loop":
        for (;;) {}
      case "/hog": {
        const hoard = [];
        for (;;) hoard.push(new Array(1 << 16).fill(hoard.length));
      }
      case "/denied":
        // No net grant, and a metadata address besides: always refused.
        try {
          await fetch("http://169.254.169.254/latest/meta-data/");
          return new Response("reached a denied address", { status: 200 });
        } catch (error) {
          return new Response(String(error), { status: 403 });
        }
      default:
        return new Response("unknown kind", { status: 404 });
    }
  },
};
