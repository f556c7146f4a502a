// Gives a package's CommonJS consumers their own copy of the type declarations.
//
// The packages are ES modules. Node >= 20.19 loads them with require() as well (none has a
// top-level await), so one build serves both; TypeScript, however, reads a .d.ts in a
// "type": "module" package as ESM and refuses it to a CommonJS file under module node16 (and
// under nodenext before TypeScript 5.8). The "require" condition of each package's exports
// therefore points its types at dist/cjs/: the same declarations, in a folder whose package.json
// says "type": "commonjs". The JavaScript is the same file for import and require, so there is
// one module instance whichever way it is loaded.
//
// Run from a package's folder after tsc: node ../../scripts/cjs-types.mjs
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const dist = join(process.cwd(), 'dist');
const out = join(dist, 'cjs');
rmSync(out, { recursive: true, force: true });

let copied = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const source = join(entry.parentPath, entry.name);
  const target = join(out, relative(dist, source));
  mkdirSync(dirname(target), { recursive: true });
  // The declaration map sits beside the ESM copy only.
  writeFileSync(target, readFileSync(source, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
  copied++;
}
if (copied === 0) throw new Error(`no declarations in ${dist}: run tsc first`);
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
