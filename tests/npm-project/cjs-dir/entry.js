module.exports = { name: 'cjs-dir via main' };
