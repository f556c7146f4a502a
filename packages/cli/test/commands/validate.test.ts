import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/commands/validate.js';
import { captureIo, FIXTURES, REPO_ROOT, tempDir, writeFile } from '../support/cli.js';

const dir = tempDir();

async function validate(yaml: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; lines: string[] }> {
  writeFile(dir, 'config.yml', yaml);
  const capture = captureIo(env, dir);
  const code = await validateCommand(['-c', 'config.yml'], capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr(), lines: capture.stderr().trimEnd().split('\n') };
}

describe('validate', () => {
  it('accepts the seed README quick-start config.yml verbatim, with no environment', async () => {
    // The fixture is the README block as published; its only ${...} is in a comment.
    expect(readFileSync(join(FIXTURES, 'seed-config.yml'), 'utf8')).toContain('# Use keyHash in production.');
    const capture = captureIo({}, FIXTURES);
    const code = await validateCommand(['-c', 'seed-config.yml'], capture.io);
    expect(capture.stderr()).toBe('');
    expect(code).toBe(0);
    expect(capture.stdout()).toBe('seed-config.yml: ok (1 upstream, 1 route, 1 API key, policy default deny)\n');
  });

  it('accepts the Docker example configuration', async () => {
    const capture = captureIo({}, REPO_ROOT);
    expect(await validateCommand(['-c', 'examples/docker/config.yml'], capture.io)).toBe(0);
    expect(capture.stdout()).toMatch(/^examples\/docker\/config\.yml: ok \(1 upstream, 1 route \(implicit catch-all\), 1 API key, policy default deny\)\n$/);
  });

  it('describes several upstreams without rules as the gateway runs them: federated by the catalog, no warning', async () => {
    const result = await validate('upstreams:\n  - { name: a, url: "http://127.0.0.1:9001/mcp" }\n  - { name: b, url: "http://127.0.0.1:9002/mcp" }\nauth:\n  apiKeys:\n    - { key: k, tenant: t }\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('config.yml: ok (2 upstreams, no routes (federated: names go to the upstream that lists them), 1 API key, policy default deny)\n');
  });

  it('reports a YAML syntax error at its line and column, without a stack trace', async () => {
    const result = await validate('server:\n  port: 8080\nupstreams: x: y\n');
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe('config.yml:3:12 yaml: Nested mappings are not allowed in compact mappings (YAML_BLOCK_AS_IMPLICIT_KEY)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports every YAML syntax error', async () => {
    const result = await validate('a: 1\na: 2\nb: c: d\n');
    expect(result.lines).toEqual([
      'config.yml:2:1 yaml: Map keys must be unique (YAML_DUPLICATE_KEY)',
      'config.yml:3:4 yaml: Nested mappings are not allowed in compact mappings (YAML_BLOCK_AS_IMPLICIT_KEY)',
      'config.yml: invalid (2 problems)',
    ]);
  });

  it('reports a wrong type at the value with ERR_GW_INVALID_TYPE', async () => {
    const result = await validate('server:\n  host: 127.0.0.1\n  port: "8080"\nupstreams:\n  - name: a\n    url: http://127.0.0.1:9000/mcp\n');
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe('config.yml:3:9 server.port: expected number, received string (ERR_GW_INVALID_TYPE)');
  });

  it('reports an unknown routing upstream on the routing entry line', async () => {
    const yaml = [
      'upstreams:',
      '  - name: math',
      '    url: http://127.0.0.1:9000/mcp',
      'routing:',
      '  - match: { method: "tools/call", tool: "math.*" }',
      '    upstream: math',
      '  - match: { method: "*" }',
      '    upstream: "kb"',
      '',
    ].join('\n');
    const result = await validate(yaml);
    expect(result.lines[0]).toBe('config.yml:8:15 routing[1].upstream: upstream "kb" is not declared (declared: "math") (ERR_GW_UNKNOWN_UPSTREAM)');
  });

  it('reports a missing ${ENV} variable with ERR_GW_MISSING_ENV, and resolves a set one from the environment', async () => {
    const yaml = 'upstreams:\n  - name: a\n    url: "http://${NOPE}/mcp"\n';
    const missing = await validate(yaml);
    expect(missing.lines[0]).toBe('config.yml:3:10 upstreams[0].url: environment variable NOPE is not set (ERR_GW_MISSING_ENV)');
    const set = await validate(yaml, { NOPE: 'upstream.internal:9000' });
    expect(set.code).toBe(0);
  });

  it('lists every problem, sorted by line, each at its node or its nearest existing parent', async () => {
    const yaml = [
      'server:', //                                       1
      '  port: "8080"', //                                2
      '  hots: x', //                                     3
      'auth:', //                                         4
      '  apiKeys:', //                                    5
      '    - id: a', //                                   6
      '      tenant: t', //                               7
      'upstreams:', //                                    8
      '  - name: math', //                                9
      '    url: "http://${NOPE}/mcp"', //                 10
      '  - name: kb', //                                  11
      'routing:', //                                      12
      '  - match: { method: "*" }', //                    13
      '    upstream: "nope"', //                          14
      'policy:', //                                       15
      '',
    ].join('\n');
    const result = await validate(yaml);
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      'config.yml:2:9 server.port: expected number, received string (ERR_GW_INVALID_TYPE)',
      'config.yml:3:3 server.hots: unknown key "hots" (ERR_GW_UNKNOWN_KEY)',
      'config.yml:6:7 auth.apiKeys[0]: give key (plain) or keyHash (sha256:<hex>) (ERR_GW_API_KEY_SECRET)',
      'config.yml:10:10 upstreams[0].url: environment variable NOPE is not set (ERR_GW_MISSING_ENV)',
      // url is missing: reported at the upstream entry that lacks it.
      'config.yml:11:5 upstreams[1].url: required (expected string) (ERR_GW_MISSING_KEY)',
      'config.yml:14:15 routing[0].upstream: upstream "nope" is not declared (declared: "math", "kb") (ERR_GW_UNKNOWN_UPSTREAM)',
      // An empty section is null: reported at its key.
      'config.yml:15:1 policy: expected object, received null (ERR_GW_INVALID_TYPE)',
      'config.yml: invalid (7 problems)',
    ]);
  });

  it('reports a missing required section at the top of the file', async () => {
    const result = await validate('# nothing but a server\nserver:\n  port: 8080\n');
    expect(result.lines[0]).toBe('config.yml:2:1 upstreams: required (expected array) (ERR_GW_MISSING_KEY)');
  });

  it('applies RATE_LIMIT_KEY_PREFIX as run does, and names it when it is the problem', async () => {
    const yaml = 'rateLimit:\n  keyPrefix: mcp\nupstreams:\n  - name: a\n    url: http://127.0.0.1:9000/mcp\n';
    expect((await validate(yaml, { RATE_LIMIT_KEY_PREFIX: 'mcp:prod' })).code).toBe(0);
  });

  it('says clearly when the file does not exist', async () => {
    const capture = captureIo({}, dir);
    expect(await validateCommand(['-c', 'missing.yml'], capture.io)).toBe(1);
    expect(capture.stderr()).toBe(`mcp-gateway: missing.yml: no such file (looked for ${join(dir, 'missing.yml')})\n`);
  });

  it('warns about a valid configuration that refuses everything', async () => {
    const result = await validate('upstreams:\n  - name: a\n    url: http://127.0.0.1:9000/mcp\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('config.yml: ok (1 upstream, 1 route (implicit catch-all), 0 API keys, policy default deny)\n');
    expect(result.stderr).toContain('config.yml: warning: auth.apiKeys is empty');
  });
});
