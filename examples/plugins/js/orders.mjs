// A JS plugin implementing the embedder's typed `orders` interface
// (../orders.wit), like ../rust does: `transform` is the interface's
// function in camelCase; records arrive as objects (fields in camelCase),
// `list<u8>` as Uint8Array, `u64` as BigInt, `option` as undefined or the
// value. Returning is `ok`, throwing is `err` (the error's message).
export function transform(order) {
  const id = order.id.trim();
  if (id === '') {
    throw new Error('order has no id');
  }
  const lines = order.lines.filter((line) => line.qty > 0);
  if (lines.length === 0) {
    throw new Error(`order ${id} has no lines`);
  }
  const totalCents = lines.reduce(
    (sum, line) => sum + BigInt(line.qty) * line.unitPriceCents,
    0n,
  );
  const upper = (byte) => (byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte);
  console.log(`transforming ${id} for ${context.tenantId ?? 'nobody'}`);
  return {
    id,
    customer: order.customer?.trim() || undefined,
    lines,
    priority: totalCents >= 100000n ? 'urgent' : order.priority,
    note: order.note?.map(upper),
    totalCents,
  };
}
