// The CommonJS side: require() of packages (the `require` condition), a
// directory with its package.json `main`, JSON, and ES modules (Node
// 20.19+'s require(esm); not with top-level await).
const dual = require('dual');
const { version } = require('uses-nested/package.json');
let requireTla;
try {
  require('./lib/tla.mjs');
} catch (error) {
  requireTla = error.code;
}
exports.fromCjs = require('cjs-only').add(1, 1);
exports.dualKind = dual.kind + '+' + require('dual/feature/beta').feature;
exports.nestedVersion = version;
exports.dir = require('./cjs-dir').name;
exports.json = require('./config/settings').mode;
let importOnly;
try {
  require('esm-only');
} catch (error) {
  importOnly = error.code;
}
exports.requireEsm = require('./lib/esm.mjs').default + ', ' + importOnly;
exports.requireTla = requireTla;
exports.detected = require('./detect/esm.js').detected + ', ' + require('./detect/cjs.js').detected;
