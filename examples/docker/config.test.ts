import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test-support/child.js';

// The Docker files are not run here (no container registry), but the configuration they mount
// is the CLI's to accept, and that is checked with the CLI itself.
describe('examples/docker/config.yml', () => {
  it('passes mcp-gateway validate', () => {
    const run = spawnSync(process.execPath, ['packages/cli/dist/bin.js', 'validate', '-c', 'examples/docker/config.yml'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('ok');
  });
});
