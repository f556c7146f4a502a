import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const NODE_HTTP_SRC = join(PACKAGES, 'node-http', 'src');

/**
 * The rooms of @gw/node-http/src, lowest first: a room imports only rooms on lines above it here,
 * and rooms on one line never import each other (the two client eras, session and stateless,
 * share a line). A room is a folder of src, or a top-level file named here; '.' is every other
 * top-level file: the composition (index.ts, create-gateway.ts, gateway-server.ts, front.ts).
 * runtime.ts is types only, the gateway every handler receives: it holds parts of the rooms
 * below it and is taken whole by the rooms above it. upstream/ reads its own slice of it
 * (upstream/upstream-runtime.ts), so talking to an upstream sits below the runtime.
 */
const NODE_HTTP_LAYERS: readonly (readonly string[])[] = [
  ['wire', 'ops', 'stores'],
  ['state'],
  ['upstream'],
  ['runtime.ts'],
  ['federation'],
  ['http'],
  ['session', 'stateless'],
  ['.'],
];

/** Every .ts file under a folder (declaration files included: they may import too). */
function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** What a source file imports: import and export ... from, import type, bare and dynamic imports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** What a source file imports by relative path. */
function relativeSpecifiers(text: string): string[] {
  return specifiers(text).filter((specifier) => specifier.startsWith('.'));
}

/** The import graph of the .ts files under a folder, by absolute path; an import that names no file is reported. */
function importGraph(folder: string): { graph: Map<string, string[]>; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(folder)) {
    const targets: string[] = [];
    for (const specifier of relativeSpecifiers(readFileSync(file, 'utf8'))) {
      const base = resolve(dirname(file), specifier).replace(/\.js$/, '');
      const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
      if (target) targets.push(target);
      else unresolved.push(`${relative(PACKAGES, file)} -> ${specifier}`);
    }
    graph.set(file, targets);
  }
  return { graph, unresolved };
}

/** Each circle in a graph, as the path that closes it (one per strongly connected set, found by depth-first search). */
function findCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const circles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') circles.push([...path.slice(path.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return circles;
}

/** The room of a file of node-http/src: its folder, a top-level file named in the layers, or '.'. */
function roomOf(file: string): string {
  const path = relative(NODE_HTTP_SRC, file).split(/[\\/]/);
  if (path.length > 1) return path[0]!;
  return NODE_HTTP_LAYERS.some((line) => line.includes(path[0]!)) ? path[0]! : '.';
}

const packages = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(PACKAGES, entry.name, 'src')))
  .map((entry) => entry.name);

/**
 * The packages, lowest first: a package's tests (their support files included) import only their
 * own package and packages on lines above it here, by relative path or by name. A test of a lower
 * package that needs a higher one (node-http driving the CLI, say) belongs to the higher package.
 */
const PACKAGE_LAYERS: readonly (readonly string[])[] = [['core'], ['node-http'], ['express', 'cli']];

/** Each package folder by the name it is imported under (@gw/core is core). */
const folderByName = new Map(
  packages.map((folder) => [(JSON.parse(readFileSync(join(PACKAGES, folder, 'package.json'), 'utf8')) as { name: string }).name, folder] as const),
);

/** Every source file under a test folder (.ts, .mts, .mjs, .js), support files included. */
function testFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return /\.(?:ts|mts|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

/**
 * The imports in `text`, the content of `file`, that reach another package on the line of
 * PACKAGE_LAYERS of `file`'s package or below it (a higher one, or its neighbour), each as
 * `specifier (package folder)`.
 */
function upwardPackageImports(file: string, text: string): string[] {
  const from = relative(PACKAGES, file).split(/[\\/]/)[0]!;
  const rank = new Map(PACKAGE_LAYERS.flatMap((line, index) => line.map((folder) => [folder, index] as const)));
  const found: string[] = [];
  for (const specifier of specifiers(text)) {
    let to: string | undefined;
    if (specifier.startsWith('.')) {
      const path = relative(PACKAGES, resolve(dirname(file), specifier));
      if (!path.startsWith('..')) to = path.split(/[\\/]/)[0];
    } else {
      const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
      to = folderByName.get(name);
    }
    if (to === undefined || to === from || !packages.includes(to)) continue;
    if (!rank.has(to) || !rank.has(from) || rank.get(to)! >= rank.get(from)!) found.push(`${specifier} (${to})`);
  }
  return found;
}

describe('the import graph', () => {
  it('finds a circle when there is one, type imports and export-from lines included', () => {
    const text = "import type { A } from './a.js';\nexport { B } from '../b.js';\nimport {\n  C,\n} from './c.js';\nimport './d.js';\nconst e = await import('./e.js');\nimport { z } from 'zod';";
    expect(relativeSpecifiers(text).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js']);
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(findCircles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCircles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it.each(packages)('packages/%s/src has no import circle, type imports included', (name) => {
    const { graph, unresolved } = importGraph(join(PACKAGES, name, 'src'));
    expect(unresolved).toEqual([]);
    expect(findCircles(graph).map((circle) => circle.map((file) => relative(PACKAGES, file)).join(' -> '))).toEqual([]);
  });

  it('in node-http, every room is declared and no room imports one on its own line or above it', () => {
    const rank = new Map(NODE_HTTP_LAYERS.flatMap((line, index) => line.map((room) => [room, index] as const)));
    const { graph } = importGraph(NODE_HTTP_SRC);
    const undeclared = new Set<string>();
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = roomOf(file);
      if (!rank.has(from)) undeclared.add(from);
      for (const target of targets) {
        const to = roomOf(target);
        if (to === from || !rank.has(from) || !rank.has(to)) continue;
        if (rank.get(to)! >= rank.get(from)!) upward.push(`${relative(NODE_HTTP_SRC, file)} -> ${relative(NODE_HTTP_SRC, target)}`);
      }
    }
    expect([...undeclared]).toEqual([]);
    expect(upward).toEqual([]);
  });

  it('finds a test importing a higher package, by relative path or by name, and lets lower ones through', () => {
    const file = join(PACKAGES, 'node-http', 'test', 'some', 'leak.test.ts');
    // Written through `line` so that this file's own text imports nothing it names.
    const line = (what: string, specifier: string) => `import ${what} from '${specifier}';`;
    const text = [
      line('{ runCommand }', '../../../cli/src/commands/run.js'),
      line('type { CliIo }', '../../../cli/src/io.js'),
      line('{ mcpGateway }', '@gw/express'),
      `const { main } = await import('${'@gw/cli'}');`,
      line('{ extend }', '@gw/core'),
      line('{ createGateway }', '../../src/index.js'),
      line('{ Rng }', '../support/rng.js'),
      line('{ decide }', '../../../core/src/decide.js'),
      line('{ describe }', 'vitest'),
    ].join('\n');
    expect(upwardPackageImports(file, text)).toEqual([
      '../../../cli/src/commands/run.js (cli)',
      '../../../cli/src/io.js (cli)',
      '@gw/express (express)',
      '@gw/cli (cli)',
    ]);
    const cliTest = join(PACKAGES, 'cli', 'test', 'commands', 'run.test.ts');
    expect(upwardPackageImports(cliTest, line('{ idleSocket }', '../../../node-http/test/support/idle-socket.js'))).toEqual([]);
    expect(upwardPackageImports(cliTest, line('{ mcpGateway }', '../../../express/src/index.js'))).toEqual(['../../../express/src/index.js (express)']);
  });

  it('every package is declared, and no package\'s tests import a package above it or beside it', () => {
    expect(packages.filter((folder) => !PACKAGE_LAYERS.some((line) => line.includes(folder)))).toEqual([]);
    const upward = packages.flatMap((folder) =>
      testFiles(join(PACKAGES, folder, 'test')).flatMap((file) =>
        upwardPackageImports(file, readFileSync(file, 'utf8')).map((found) => `${relative(PACKAGES, file)} -> ${found}`),
      ),
    );
    expect(upward).toEqual([]);
  });

  it('talking to upstreams never holds a client\'s request: upstream/ and federation/ take only the headers picked at the edge', () => {
    // The client's raw headers stay where the request came in (http/, session/, stateless/, the
    // top); what may reach an upstream is picked there once (pickForwarded) and passed as that.
    const holding = ['upstream', 'federation'].flatMap((room) =>
      sourceFiles(join(NODE_HTTP_SRC, room)).filter((file) => /\bIncomingMessage\b|\breq\.headers\b/.test(readFileSync(file, 'utf8'))),
    );
    expect(holding.map((file) => relative(NODE_HTTP_SRC, file))).toEqual([]);
  });
});
