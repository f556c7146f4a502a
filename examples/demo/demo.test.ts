import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, scriptEntry, spawnExample, type ExampleProcess } from '../test-support/child.js';

// `pnpm demo` is the README's first command, and the README's curl block is what a new user
// pastes next: both are run here as written (only the port is the one the demo got).

let demo: ExampleProcess;
beforeAll(async () => {
  demo = await spawnExample(scriptEntry('demo'), { PORT: '0' });
});
afterAll(async () => {
  await demo?.stop();
});

function tryItBlock(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /<!-- try-it[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- \/try-it -->/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no try-it block');
  return block;
}

describe('pnpm demo', () => {
  it('serves the mcp-gateway CLI in front of the demo server, with memory rate limits', () => {
    expect(demo.output()).toContain('rate limits in memory');
    expect(demo.output()).toContain('examples/demo/config.yml');
  });

  it("answers the README's curl commands as written, on the PORT the user chose", () => {
    expect(tryItBlock()).not.toContain(':8080');
    // The block follows the PORT the user chose, as the demo does: the test sets it to the demo's.
    const port = new URL(demo.url).port;
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', tryItBlock()], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, PORT: port } });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('"text":"42"');
    expect(run.stdout).toMatch(/"error":\{"code":-40100[^}]*\}\} HTTP 401/);
    expect(run.stdout).toContain('"status":"ok"');
  });

  it('writes audit events as JSON lines, without the key', async () => {
    const audits = () =>
      demo
        .output()
        .split('\n')
        .filter((line) => line.includes('"type":"audit"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Audit lines are written after the answers, off the request path: give the last one a moment.
    const deadline = Date.now() + 3_000;
    while (!audits().some((event) => event['decision'] === 'auth_failed') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(audits().some((event) => event['method'] === 'tools/call' && event['decision'] === 'allowed')).toBe(true);
    expect(audits().some((event) => event['decision'] === 'auth_failed')).toBe(true);
    expect(demo.output()).not.toContain('demo-key"');
  });
});

describe('pnpm demo, stopped with Ctrl-C', () => {
  it('drains, stops the upstream and exits 0 without a stack trace', async () => {
    const own = await spawnExample(scriptEntry('demo'), { PORT: '0' });
    const exited = new Promise<number | null>((resolve) => own.child.once('exit', (code) => resolve(code)));
    own.child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
    if (code === 'timeout') await own.stop(1_000);
    expect(code, own.output()).toBe(0);
    expect(own.output()).not.toMatch(/\n\s+at .+:\d+:\d+|Error:|ELIFECYCLE/);
    // The CLI's port is closed: nothing of the demo outlives it.
    await expect(fetch(`${new URL(own.url).origin}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 30_000);
});
