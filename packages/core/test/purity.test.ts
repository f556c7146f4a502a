import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const BUILTINS = new Set(builtinModules);
const IO_PACKAGES = /^(undici|ioredis|redis|express|winston|yaml|ws|node-fetch|axios|pg|mysql2?)(\/|$)/;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function specifiers(file: string): string[] {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  return [...code.matchAll(SPECIFIER)].map((m) => m[1]!);
}

/** Follows every import of the built package, into its dependencies, and lists what it reaches. */
function reachable(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const candidates = [resolve(dirname(file), spec), `${resolve(dirname(file), spec)}.js`, join(resolve(dirname(file), spec), 'index.js')];
        const found = candidates.find((c) => existsSync(c) && c.endsWith('.js') || existsSync(c) && c.endsWith('.cjs'));
        if (found) queue.push(found);
        continue;
      }
      bare.add(spec);
      if (spec.startsWith('node:') || BUILTINS.has(spec)) continue;
      queue.push(createRequire(file).resolve(spec));
    }
  }
  return { files, bare };
}

describe('@gw/core stays pure', () => {
  it('has been built', () => {
    expect(readdirSync(dist)).toContain('index.js');
  });

  it('imports only its declared dependencies from its own files', () => {
    const own = readdirSync(dist).filter((f) => f.endsWith('.js')).flatMap((f) => specifiers(join(dist, f)));
    const external = new Set(own.filter((s) => !s.startsWith('.')));
    expect([...external].sort()).toEqual(['@noble/hashes/sha2.js', 'minimatch', 'rate-limiter-flexible/lib/component/MemoryStorage/MemoryStorage.js', 'zod']);
  });

  it.each(['index.js', 'internal.js'])('reaches no node: module, no Node built-in and no I/O package from %s, through any dependency', (entry) => {
    const { files, bare } = reachable(join(dist, entry));
    expect(files.size).toBeGreaterThan(20);
    const offending = [...bare].filter((s) => s.startsWith('node:') || BUILTINS.has(s) || IO_PACKAGES.test(s));
    expect(offending).toEqual([]);
  });
});
