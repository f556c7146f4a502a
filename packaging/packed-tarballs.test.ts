// The packages as a team consumes them: packed with `pnpm pack` (workspace:* becomes the real
// version), installed with npm into a fresh CommonJS app outside the repository, then loaded with
// require() and import(), served from an Express 4 app to the SDK client, run as the CLI, and
// type-checked by tsc under module node16, module nodenext and moduleResolution node10. Each
// package's files import only what its own package.json declares, so it works on its own.
//
// The app names only @gw/express and @gw/cli, as a team would; @gw/node-http and @gw/core come
// in as their dependencies (npm overrides point those at the tarballs, since they are not on the
// registry). Everything else comes from the npm registry: the packages' own dependencies at the
// ranges they declare, and express, @types/express and @types/node at the versions this
// repository's lockfile pins. The install is the slow part (about 10 to 40 s, more on a cold cache).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type UpstreamFixture } from '../packages/node-http/test/support/upstream.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const PACKAGES = ['core', 'node-http', 'express', 'cli'] as const;
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const INSTALL_TIMEOUT_MS = 300_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects, the caller reads the code and the output. */
function run(file: string, args: readonly string[], cwd: string, timeout = 120_000, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The environment without what pnpm tells the scripts it runs about itself and this repository
 * (npm_package_*, npm_lifecycle_*, its user agent, ...) and without NODE_OPTIONS: the app is
 * installed and run as on a user's machine. Settings such as npm_config_registry stay.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const aboutTheRun = /^(?:npm_package_|npm_lifecycle_|npm_command$|npm_execpath$|npm_node_execpath$|npm_config_user_agent$|NODE_OPTIONS$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !aboutTheRun.test(key)));
}

/** The version of `name` installed for the package in `folder` (lockfile-pinned). */
function installedVersion(folder: string, name: string): string {
  return (createRequire(join(ROOT, folder, 'package.json'))(`${name}/package.json`) as { version: string }).version;
}

const failed = (what: string, result: Run) => `${what} exited ${result.code}\n${result.stdout}\n${result.stderr}`;

let work: string;
let app: string;
let upstream: UpstreamFixture;
const tarballs = new Map<string, string>();

beforeAll(async () => {
  for (const name of PACKAGES) {
    // A clear message rather than a pack without dist/: pnpm test builds first.
    readFileSync(join(ROOT, 'packages', name, 'dist', 'index.js'));
  }
  work = mkdtempSync(join(tmpdir(), 'gw-packed-'));
  const tarballDir = join(work, 'tarballs');
  mkdirSync(tarballDir);
  for (const name of PACKAGES) {
    const packed = await run('pnpm', ['pack', '--pack-destination', tarballDir], join(ROOT, 'packages', name), 120_000, process.env);
    expect(packed.code, failed(`pnpm pack in packages/${name}`, packed)).toBe(0);
    const version = (JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8')) as { version: string }).version;
    tarballs.set(name, join(tarballDir, `gw-${name}-${version}.tgz`));
  }

  app = join(work, 'app');
  cpSync(join(ROOT, 'packaging', 'consumer'), app, { recursive: true });
  const file = (name: string) => `file:${tarballs.get(name)!}`;
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: 'packed-consumer',
        private: true,
        dependencies: {
          '@gw/cli': file('cli'),
          '@gw/express': file('express'),
          '@types/express': installedVersion('packages/express', '@types/express4'),
          '@types/node': installedVersion('.', '@types/node'),
          express: installedVersion('packages/express', 'express4'),
        },
        overrides: { '@gw/core': file('core'), '@gw/node-http': file('node-http') },
      },
      null,
      2,
    )}\n`,
  );
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app, INSTALL_TIMEOUT_MS);
  expect(installed.code, failed('npm install', installed)).toBe(0);

  upstream = await startUpstream({ name: 'up' });
}, INSTALL_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await upstream?.close();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarballs in a fresh npm project', () => {
  it('carry the licence and the package metadata, with workspace:* turned into versions', () => {
    for (const name of PACKAGES) {
      const folder = join(app, 'node_modules', '@gw', name);
      expect(readFileSync(join(folder, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest).toMatchObject({ license: 'MIT', repository: { type: 'git', directory: `packages/${name}` }, files: ['dist'] });
      expect(manifest.keywords).toContain('mcp');
      expect(manifest).toHaveProperty('sideEffects');
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      // The CommonJS copy of the declarations is in the tarball.
      expect(JSON.parse(readFileSync(join(folder, 'dist', 'cjs', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    }
  });

  it('import only what they declare: each on its own, not through what another brought', () => {
    // npm hoists every dependency to the app's node_modules, where one package's undeclared
    // import would find another's dependency; so each package's files are read instead.
    for (const name of PACKAGES) {
      const folder = join(app, 'node_modules', '@gw', name);
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      const undeclared = new Set<string>();
      for (const entry of readdirSync(join(folder, 'dist'), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(?:js|d\.ts)$/.test(entry.name)) continue;
        const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
        for (const [, specifier] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
          if (specifier!.startsWith('.') || specifier!.startsWith('node:') || builtinModules.includes(specifier!)) continue;
          const packageName = specifier!.split('/').slice(0, specifier!.startsWith('@') ? 2 : 1).join('/');
          if (!declared.has(packageName)) undeclared.add(`${packageName} (${entry.name})`);
        }
      }
      expect([...undeclared], `@gw/${name} imports what its package.json does not declare`).toEqual([]);
    }
  });

  it('install with every dependency and peer dependency satisfied (npm ls), Express 4 for the peer range', async () => {
    const listed = await run('npm', ['ls', '--all', '--json'], app);
    expect(listed.code, failed('npm ls', listed)).toBe(0);
    const tree = JSON.parse(listed.stdout) as { dependencies: Record<string, { version: string }> };
    expect(tree.dependencies.express?.version).toMatch(/^4\./);
  });

  it('load with require() and with import(), as one module instance, without a warning', async () => {
    const loaded = await run(process.execPath, ['load.cjs'], app);
    expect(loaded.code, failed('load.cjs', loaded)).toBe(0);
    expect(loaded.stderr).toBe('');
    const report = JSON.parse(loaded.stdout) as Record<string, { required: string[]; imported: string[]; same: boolean }>;
    expect(Object.keys(report)).toEqual(['@gw/core', '@gw/core/internal', '@gw/node-http', '@gw/express', '@gw/cli']);
    for (const entry of Object.values(report)) {
      expect(entry.required.length).toBeGreaterThan(0);
      expect(entry.required).toEqual(entry.imported);
      expect(entry.same).toBe(true);
    }
    expect(report['@gw/express']!.required).toEqual(['GatewayConfigError', 'compileGateway', 'mcpGateway']);
  });

  it('serve a tool call to the SDK client from a CommonJS Express 4 app', async () => {
    const server = spawn(process.execPath, ['server.cjs'], { cwd: app, env: { ...cleanEnv(), UPSTREAM_URL: upstream.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await firstLine(server).then((line) => (JSON.parse(line) as { port: number }).port);
      const origin = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${origin}/status`)).json()).toEqual({ app: 'ok' });
      const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { requestInit: { headers: { 'x-api-key': 'packed-key' } } });
      const client = new Client({ name: 'packed-test', version: '1.0.0' });
      await client.connect(transport);
      const result = await client.callTool({ name: 'up.add', arguments: { a: 40, b: 2 } });
      expect(result.content).toEqual([{ type: 'text', text: '42' }]);
      await transport.terminateSession();
      await client.close();
    } finally {
      await stop(server);
    }
  });

  it('run the CLI from its bin', async () => {
    const bin = join(app, 'node_modules', '.bin', 'mcp-gateway');
    const version = await run(bin, ['--version'], app);
    expect(version.code, failed('mcp-gateway --version', version)).toBe(0);
    expect(version.stdout).toContain((JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version);
    const validated = await run(bin, ['validate', '-c', 'config.yml'], app, 60_000, { ...cleanEnv(), PACKED_KEY: 'packed-key' });
    expect(validated.code, failed('mcp-gateway validate', validated)).toBe(0);
    expect(validated.stdout).toMatch(/^config\.yml: ok/);
  });

  // One after the other: each tsc takes a core for several seconds, and the suite shares two.
  it.each(['node16', 'nodenext', 'node10'])(
    'type-check in a CommonJS TypeScript project with tsc (%s)',
    async (setting) => {
      const checked = await run(process.execPath, [TSC, '-p', `tsconfig.${setting}.json`], app);
      expect(checked.code, failed(`tsc -p tsconfig.${setting}.json`, checked)).toBe(0);
    },
    180_000,
  );
});

/** The first line a child writes to stdout. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end !== -1) resolve(buffered.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening\n${stderr}`)));
  });
}

/** SIGTERM, then the exit; SIGKILL if it takes more than 5 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
