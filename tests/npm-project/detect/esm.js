// No "type" in its package.json, and module syntax: an ES module.
export const detected = 'esm syntax detected';
