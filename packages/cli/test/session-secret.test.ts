import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfigFile } from '../src/load-config.js';
import { tempDir, writeFile } from './support/cli.js';

const SECRET = 'env-session-secret-0123456789abcdefghij';
const PREVIOUS = 'env-session-secret-previous-0123456789ab';

async function load(yaml: string) {
  const dir = tempDir();
  writeFile(dir, 'gateway.yml', yaml);
  const loaded = await loadConfigFile('gateway.yml', dir);
  if (!loaded.ok) throw new Error(loaded.message);
  return loaded.config;
}

describe('the session secret from the environment', () => {
  it('MCP_GATEWAY_SESSION_SECRET (and _PREVIOUS) replace sessions.secrets', async () => {
    const config = await load('sessions:\n  idleTimeoutMs: 1000\n  secrets: ["from-the-file-0123456789abcdefghijklmn"]\nupstreams:\n  - { name: a, url: "http://127.0.0.1:1/mcp" }\n');
    const one = checkConfig(config, { MCP_GATEWAY_SESSION_SECRET: SECRET });
    expect(one.ok && one.options.sessions).toMatchObject({ idleTimeoutMs: 1000, secrets: [SECRET] });
    const two = checkConfig(config, { MCP_GATEWAY_SESSION_SECRET: SECRET, MCP_GATEWAY_SESSION_SECRET_PREVIOUS: PREVIOUS });
    expect(two.ok && two.options.sessions.secrets).toEqual([SECRET, PREVIOUS]);
    // The previous secret alone never seals: without the current one, the file decides.
    const previousOnly = checkConfig(config, { MCP_GATEWAY_SESSION_SECRET_PREVIOUS: PREVIOUS, MCP_GATEWAY_SESSION_SECRET: '' });
    expect(previousOnly.ok && previousOnly.options.sessions.secrets).toEqual(['from-the-file-0123456789abcdefghijklmn']);
  });

  it('is taken verbatim, and a short one is reported as coming from the variable', async () => {
    const config = await load('upstreams:\n  - { name: a, url: "http://127.0.0.1:1/mcp" }\n');
    const verbatim = '${NOT_A_PLACEHOLDER}-0123456789abcdefghijklmnop';
    const taken = checkConfig(config, { MCP_GATEWAY_SESSION_SECRET: verbatim });
    expect(taken.ok && taken.options.sessions.secrets).toEqual([verbatim]);
    const short = checkConfig(config, { MCP_GATEWAY_SESSION_SECRET: 'too-short' });
    expect(short.ok).toBe(false);
    if (short.ok) return;
    expect(short.problems).toHaveLength(1);
    expect(short.problems[0]).toMatchObject({ code: 'ERR_GW_INVALID_VALUE', where: 'sessions.secrets[0]' });
    expect(short.problems[0]!.message).toContain('comes from MCP_GATEWAY_SESSION_SECRET');
  });
});
