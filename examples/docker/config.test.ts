import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test-support/child.js';

// The configuration compose.yml mounts is the CLI's to accept, checked with the CLI itself (the
// image's commands run in image.test.ts, the balanced replicas in packages/cli/test/scale-out.test.ts).
describe('examples/docker/config.yml', () => {
  it('passes mcp-gateway validate', () => {
    const run = spawnSync(process.execPath, ['packages/cli/dist/bin.js', 'validate', '-c', 'examples/docker/config.yml'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('ok');
  });
});
