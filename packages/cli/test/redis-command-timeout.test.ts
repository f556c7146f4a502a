import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfigFile } from '../src/load-config.js';
import { tempDir, writeFile } from './support/cli.js';

async function load(yaml: string) {
  const dir = tempDir();
  writeFile(dir, 'gateway.yml', yaml);
  const loaded = await loadConfigFile('gateway.yml', dir);
  if (!loaded.ok) throw new Error(loaded.message);
  return loaded.config;
}

const UPSTREAMS = 'upstreams:\n  - { name: a, url: "http://127.0.0.1:1/mcp" }\n';

describe('the Redis command timeout', () => {
  it('defaults to 500 ms, so a configuration without it runs as before', async () => {
    const checked = checkConfig(await load(UPSTREAMS), {});
    expect(checked.ok && checked.options.rateLimit.redisCommandTimeoutMs).toBe(500);
  });

  it('is taken from rateLimit.redisCommandTimeoutMs, and REDIS_COMMAND_TIMEOUT_MS replaces it', async () => {
    const config = await load(`rateLimit:\n  redisCommandTimeoutMs: 2000\n${UPSTREAMS}`);
    const fromFile = checkConfig(config, {});
    expect(fromFile.ok && fromFile.options.rateLimit.redisCommandTimeoutMs).toBe(2000);
    const fromEnv = checkConfig(config, { REDIS_COMMAND_TIMEOUT_MS: '250' });
    expect(fromEnv.ok && fromEnv.options.rateLimit.redisCommandTimeoutMs).toBe(250);
  });

  it('refuses a bad value at start-up, saying where it came from', async () => {
    const zero = checkConfig(await load(`rateLimit:\n  redisCommandTimeoutMs: 0\n${UPSTREAMS}`), {});
    expect(zero.ok).toBe(false);
    if (!zero.ok) expect(zero.problems[0]).toMatchObject({ where: 'rateLimit.redisCommandTimeoutMs', line: 2 });
    for (const bad of ['fast', '1.5', '-3', '0', '600001']) {
      const checked = checkConfig(await load(UPSTREAMS), { REDIS_COMMAND_TIMEOUT_MS: bad });
      expect(checked.ok, bad).toBe(false);
      if (checked.ok) continue;
      expect(checked.problems).toHaveLength(1);
      expect(checked.problems[0]).toMatchObject({ where: 'rateLimit.redisCommandTimeoutMs' });
      expect(checked.problems[0]!.message).toContain('comes from REDIS_COMMAND_TIMEOUT_MS');
    }
  });
});
