import esmOnly, { shout } from 'esm-only';
import cjsOnly, { add, VERSION, defined } from 'cjs-only';
import dual, { kind } from 'dual';
import { feature } from 'dual/feature/alpha';
import dualPackage from 'dual/package.json' with { type: 'json' };
import config from '#config' with { type: 'json' };
import { twice } from '#lib/util';
import { kind as viaImports } from '#dual';
import { twice as selfTwice } from 'npm-project/util';
import nested from 'uses-nested';
import reexported, { alpha, beta } from 'reexporter';
import tiny from '@scope/tiny';
import side, { fromCjs } from './side.cjs';
import { detected as esmDetected } from './detect/esm.js';
import detectCjs, { detected as cjsDetected } from './detect/cjs.js';

console.log('esm-only:', esmOnly, shout('hi'));
console.log('cjs-only:', add(2, 3), VERSION, defined, typeof cjsOnly, cjsOnly.add === add);
console.log('dual:', kind, dual.kind, feature, dualPackage.name);
console.log('imports:', config.mode, twice(21), viaImports);
console.log('self:', selfTwice === twice);
console.log('nested:', nested);
console.log('reexporter:', alpha, beta, reexported.__esModule, Object.keys(reexported).sort().join());
console.log('tiny:', tiny);
console.log('detect:', esmDetected, cjsDetected, detectCjs.detected);
console.log('side:', fromCjs, side.dualKind, side.nestedVersion, side.dir, side.json);

for (const specifier of ['dual/hidden', '#missing', 'not-installed', './nope.mjs']) {
  try {
    await import(specifier);
    console.log('loaded', specifier);
  } catch (error) {
    console.log(specifier, error.code);
  }
}
console.log('require esm:', side.requireEsm, side.requireTla, side.detected);
