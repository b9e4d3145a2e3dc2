// A jsbox plugin in JavaScript: the same plugin as ../rust, in the JS form of
// the jsbox:sandbox/plugin world. `handle` is the world's `handler` export;
// `context` and `console` are its `context` and `log` imports.
export function handle(input) {
  const name = input.trim();
  if (name === '') {
    throw new TypeError('the input must name someone to greet');
  }
  const tenant = context.tenantId ?? 'nobody';
  console.log(`greeting ${name}`);
  return `Hello, ${name}! (for ${tenant})`;
}
