import { describe, expect, it } from 'vitest';
import type { AuditEvent, ResolvedOptions } from '@gw/core';
import { UsageError } from '../src/args.js';
import { auditApplies, environmentName } from '../src/audit.js';
import { healthUrlFrom, healthUrlFromConfig } from '../src/commands/health.js';
import { main } from '../src/cli.js';
import { checkConfig, loadConfigFile } from '../src/load-config.js';
import { createCliLogger } from '../src/logger.js';
import { hideUrlCredentials } from '../src/url.js';
import { captureIo, tempDir, writeFile } from './support/cli.js';

describe('logger', () => {
  it('cuts every long string of a line, message and meta, with a marker: a line stays bounded', async () => {
    let out = '';
    const logger = createCliLogger({ level: 'info', redactKeys: [], sink: { write: (text: string) => (out += text) } });
    logger.warn(`upstream failed ${'w'.repeat(100_000)}`, { error: 'e'.repeat(1_000_000), nested: { path: ['p'.repeat(50_000)] } });
    logger.always('stopping', { detail: 'd'.repeat(10_000) });
    await logger.flush();
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.length).toBeLessThan(8_000);
    const [warn, always] = lines.map((line) => JSON.parse(line) as Record<string, unknown>) as [Record<string, unknown>, Record<string, unknown>];
    expect(warn['message']).toMatch(/^upstream failed w+…\[cut \d+ chars\]$/);
    expect(warn['error']).toBe(`${'e'.repeat(2048)}…[cut ${1_000_000 - 2048} chars]`);
    expect(warn['nested']).toEqual({ path: [`${'p'.repeat(2048)}…[cut ${50_000 - 2048} chars]`] });
    expect(always['detail']).toBe(`${'d'.repeat(2048)}…[cut ${10_000 - 2048} chars]`);
  });

  it('writes JSON lines with every redact key replaced at any depth, meta included', async () => {
    let out = '';
    const logger = createCliLogger({ level: 'info', redactKeys: ['authorization', 'Token'], sink: { write: (text: string) => (out += text) } });
    logger.info('upstream failed', { headers: { Authorization: 'Bearer k1', accept: 'x' }, nested: [{ token: 't1' }], authorization: 'top' });
    logger.debug('hidden at info', { token: 't2' });
    logger.always('shown at any level');
    await logger.flush();
    const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'upstream failed',
      headers: { Authorization: '[REDACTED]', accept: 'x' },
      nested: [{ token: '[REDACTED]' }],
      authorization: '[REDACTED]',
    });
    expect(typeof lines[0]?.['timestamp']).toBe('string');
    expect(lines[1]).toMatchObject({ level: 'info', message: 'shown at any level' });
    expect(out).not.toMatch(/k1|t1|t2|top/);
  });

  it('writes an audit event as one JSON line: the line fields, the event fields in order, the timestamp; redacted when a key names an event field', async () => {
    const event: AuditEvent = {
      time: '2026-01-02T03:04:05.678Z', requestId: 'a"b\n', tenant: 't', client: 'c', apiKeyId: 'k', clientAddress: '192.0.2.7', protocolVersion: '2025-11-25', method: 'tools/call',
      target: { kind: 'tool', name: 'x"\\y' }, upstream: 'u', item: { kind: 'tool', name: 'y' }, decision: 'allowed', status: 200, errorCode: null, error: null, durationMs: 1.5,
    };
    for (const redactKeys of [[], ['tenant']]) {
      let out = '';
      const logger = createCliLogger({ level: 'error', redactKeys, sink: { write: (text: string) => (out += text) } });
      logger.audit(event);
      await logger.flush();
      expect(out.endsWith('\n') && out.indexOf('\n') === out.length - 1).toBe(true);
      const line = JSON.parse(out) as Record<string, unknown>;
      expect(Object.keys(line)).toEqual(['level', 'message', 'type', ...Object.keys(event), 'timestamp']);
      expect(line).toMatchObject({ ...event, level: 'info', message: 'audit', type: 'audit', tenant: redactKeys.length ? '[REDACTED]' : 't' });
      expect(Date.parse(line['timestamp'] as string)).toBeGreaterThan(Date.parse('2026-01-01'));
    }
  });

  it('writes the audit lines handed over together in one write, as soon as the code handing them over is done', async () => {
    const writes: string[] = [];
    const logger = createCliLogger({ level: 'info', redactKeys: [], sink: { write: (text: string) => writes.push(text) } });
    const event: AuditEvent = {
      time: '2026-01-02T03:04:05.678Z', requestId: 1, tenant: 't', client: 'c', apiKeyId: 'k', clientAddress: '192.0.2.7', protocolVersion: '2025-11-25', method: 'tools/call',
      target: { kind: 'tool', name: 'echo' }, upstream: 'u', item: { kind: 'tool', name: 'echo' }, decision: 'allowed', status: 200, errorCode: null, error: null, durationMs: 1,
    };
    for (let id = 1; id <= 3; id++) logger.audit({ ...event, requestId: id });
    expect(writes).toEqual([]);
    await Promise.resolve();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.trimEnd().split('\n').map((line) => (JSON.parse(line) as { requestId: number }).requestId)).toEqual([1, 2, 3]);
    logger.audit({ ...event, requestId: 4 });
    await Promise.resolve();
    expect(writes).toHaveLength(2);
    await logger.flush();
  });

  it('drops lines written after flush instead of failing', async () => {
    let out = '';
    const logger = createCliLogger({ level: 'info', redactKeys: [], sink: { write: (text: string) => (out += text) } });
    await logger.flush();
    logger.always('late');
    expect(out).toBe('');
  });
});

describe('audit environment', () => {
  it('is MCP_GATEWAY_ENV, then NODE_ENV, then development (empty counts as unset)', () => {
    expect(environmentName({ MCP_GATEWAY_ENV: 'staging', NODE_ENV: 'production' })).toBe('staging');
    expect(environmentName({ MCP_GATEWAY_ENV: '', NODE_ENV: 'production' })).toBe('production');
    expect(environmentName({})).toBe('development');
  });

  it('writes audit only when enabled and the environment is listed or "*" is', () => {
    const audit = (enabled: boolean, environments: string[]): ResolvedOptions['audit'] => ({ enabled, environments });
    expect(auditApplies(audit(true, ['production', 'staging']), 'production')).toBe(true);
    expect(auditApplies(audit(true, ['production', 'staging']), 'development')).toBe(false);
    expect(auditApplies(audit(true, ['*']), 'development')).toBe(true);
    expect(auditApplies(audit(false, ['*']), 'production')).toBe(false);
  });
});

describe('environment overrides', () => {
  it('RATE_LIMIT_KEY_PREFIX replaces rateLimit.keyPrefix, also when the file has no rateLimit', async () => {
    const dir = tempDir();
    writeFile(dir, 'a.yml', 'rateLimit:\n  keyPrefix: from-file\n  defaultRpm: 5\nupstreams:\n  - { name: a, url: "http://127.0.0.1:1/mcp" }\n');
    writeFile(dir, 'b.yml', 'upstreams:\n  - { name: a, url: "http://127.0.0.1:1/mcp" }\n');
    for (const [file, rpm] of [['a.yml', 5], ['b.yml', 600]] as const) {
      const loaded = await loadConfigFile(file, dir);
      if (!loaded.ok) throw new Error(loaded.message);
      const checked = checkConfig(loaded.config, { RATE_LIMIT_KEY_PREFIX: 'mcp:prod' });
      if (!checked.ok) throw new Error('invalid');
      expect(checked.options.rateLimit).toMatchObject({ keyPrefix: 'mcp:prod', defaultRpm: rpm });
      const unset = checkConfig(loaded.config, { RATE_LIMIT_KEY_PREFIX: '' });
      expect(unset.ok && unset.options.rateLimit.keyPrefix).toBe(file === 'a.yml' ? 'from-file' : 'mcp-gateway');
    }
  });
});

describe('URLs', () => {
  it('hides user info and credential-looking query values', () => {
    expect(hideUrlCredentials('redis://:pw@redis:6379/0')).toBe('redis://***@redis:6379/0');
    expect(hideUrlCredentials('https://user:pw@h/mcp?api_key=1&x=2')).toBe('https://***@h/mcp?api_key=***&x=2');
    expect(hideUrlCredentials('http://h:9000/mcp')).toBe('http://h:9000/mcp');
  });

  it('health URLs: --url gets /health; a config gives host and port, 0.0.0.0 becoming loopback', () => {
    expect(healthUrlFrom('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/health');
    expect(healthUrlFrom('http://h/mcp/')).toBe('http://h/mcp/health');
    expect(healthUrlFrom('http://h:1/health')).toBe('http://h:1/health');
    expect(() => healthUrlFrom('ftp://h')).toThrow(UsageError);
    expect(healthUrlFromConfig({ server: { host: '0.0.0.0', port: 8080 } })).toEqual({ ok: true, url: 'http://127.0.0.1:8080/health' });
    expect(healthUrlFromConfig({ server: { host: '::' } })).toEqual({ ok: true, url: 'http://[::1]:8080/health' });
    expect(healthUrlFromConfig({ upstreams: [] })).toEqual({ ok: true, url: 'http://127.0.0.1:8080/health' });
    expect(healthUrlFromConfig({ server: { port: 0 } }).ok).toBe(false);
  });
});

describe('command line', () => {
  it('unknown command or option: message and usage on stderr, exit 2', async () => {
    const unknown = captureIo();
    expect(await main(['deploy'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toMatch(/^mcp-gateway: unknown command "deploy"\n\nUsage: mcp-gateway <command>/);
    const option = captureIo();
    expect(await main(['routes', '-c', 'x.yml', '--verbose'], option.io)).toBe(2);
    expect(option.stderr()).toMatch(/^mcp-gateway routes: unknown option --verbose\n\nUsage: mcp-gateway routes/);
    const stray = captureIo();
    expect(await main(['validate', 'config.yml'], stray.io)).toBe(2);
    expect(stray.stderr()).toMatch(/^mcp-gateway validate: unexpected argument "config.yml"/);
    const noValue = captureIo();
    expect(await main(['run', '-c'], noValue.io)).toBe(2);
    expect(noValue.stderr()).toContain("mcp-gateway run: option '-c, --config <value>' argument missing");
  });

  it('missing -c says so, for each command that needs it', async () => {
    for (const command of ['run', 'validate', 'routes']) {
      const capture = captureIo();
      expect(await main([command], capture.io)).toBe(2);
      expect(capture.stderr()).toMatch(new RegExp(`^mcp-gateway ${command}: missing -c <config.yml>`));
    }
  });

  it('--help on each command and overall, --version', async () => {
    for (const argv of [['--help'], ['run', '--help'], ['validate', '-h'], ['routes', '--help'], ['health', '--help'], ['help', 'routes']]) {
      const capture = captureIo();
      expect(await main(argv, capture.io)).toBe(0);
      expect(capture.stdout()).toMatch(/^Usage: mcp-gateway /);
    }
    const version = captureIo();
    expect(await main(['--version'], version.io)).toBe(0);
    expect(version.stdout()).toBe('0.1.0\n');
  });
});
