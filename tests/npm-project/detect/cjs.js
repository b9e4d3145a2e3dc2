// No "type" in its package.json, and no module syntax: CommonJS.
exports.detected = 'commonjs by default';
