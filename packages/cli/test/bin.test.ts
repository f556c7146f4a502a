// The executable itself: shebang, exit codes and streams as a shell sees them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, spawnCli } from './support/cli.js';

describe('bin', () => {
  it('is a node script declared as the mcp-gateway bin', () => {
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string>; version: string };
    expect(manifest.bin).toEqual({ 'mcp-gateway': './dist/bin.js' });
  });

  it('validate of the seed config exits 0 with the summary; --version prints the version', async () => {
    const validate = spawnCli(['validate', '-c', 'packages/cli/test/fixtures/seed-config.yml']);
    const version = spawnCli(['--version']);
    expect(await validate.exited()).toBe(0);
    expect(validate.stdout()).toBe('packages/cli/test/fixtures/seed-config.yml: ok (1 upstream, 1 route, 1 API key, policy default deny)\n');
    expect(await version.exited()).toBe(0);
    expect(version.stdout()).toBe('0.1.0\n');
  });

  it('an unknown option exits 2 with usage; a missing file exits 1 with a clear message', async () => {
    const unknown = spawnCli(['validate', '--frobnicate']);
    const missing = spawnCli(['validate', '-c', 'no-such.yml']);
    expect(await unknown.exited()).toBe(2);
    expect(unknown.stderr()).toMatch(/^mcp-gateway validate: unknown option --frobnicate\n\nUsage:/);
    expect(await missing.exited()).toBe(1);
    expect(missing.stderr()).toMatch(/^mcp-gateway: no-such\.yml: no such file \(looked for .*no-such\.yml\)\n$/);
  });
});
