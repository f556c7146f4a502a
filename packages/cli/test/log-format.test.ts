import { EventEmitter } from 'node:events';
import type { AuditEvent } from '@gw/core';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { CliIo } from '../src/io.js';
import { createCliLogger } from '../src/logger.js';
import { tempDir, writeFile } from './support/cli.js';

// `run` logs human-readable lines on a terminal and JSON lines otherwise; --log-format and
// MCP_GATEWAY_LOG_FORMAT choose either. Redaction and cutting apply to both.

const CONFIG = `
server: { host: 127.0.0.1, port: 0 }
auth:
  apiKeys: [{ id: k, key: "secret-key-1", tenant: acme, client: ide }]
upstreams:
  - { name: up, url: "http://127.0.0.1:9/mcp" }
audit: { enabled: true, environments: ["test"] }
`;

/** `run` in-process, its stdout a terminal or not, stopped with SIGTERM once it is listening. */
async function runOnce(args: string[], env: Record<string, string>, isTTY: boolean): Promise<{ code: number; out: string; err: string }> {
  const file = writeFile(tempDir(), 'config.yml', CONFIG);
  let out = '';
  let err = '';
  const signals = new EventEmitter();
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text), isTTY },
    stderr: { write: (text: string) => (err += text) },
    env: { MCP_GATEWAY_ENV: 'test', ...env },
    cwd: process.cwd(),
    signals: signals as unknown as NonNullable<CliIo['signals']>,
  };
  const done = main(['run', '-c', file, ...args], io);
  const deadline = Date.now() + 10_000;
  while (!out.includes('listening on') && Date.now() < deadline && err === '') await new Promise((resolve) => setTimeout(resolve, 20));
  signals.emit('SIGTERM', 'SIGTERM');
  return { code: await done, out, err };
}

describe('log format', () => {
  it('is human-readable on a terminal', async () => {
    const { code, out } = await runOnce([], {}, true);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  mcp-gateway \S+ listening on http:\/\/127\.0\.0\.1:\d+\/mcp .* url=http:\/\/127\.0\.0\.1:\d+\/mcp .*rateLimitStore=memory/);
    expect(out).toMatch(/INFO  SIGTERM: shutting down/);
    for (const line of lines) expect(line.startsWith('{')).toBe(false);
  });

  it('is JSON lines when stdout is not a terminal', async () => {
    const { code, out } = await runOnce([], {}, false);
    expect(code).toBe(0);
    for (const line of out.trimEnd().split('\n')) expect(JSON.parse(line)).toHaveProperty('timestamp');
  });

  it('--log-format and MCP_GATEWAY_LOG_FORMAT choose, the option first', async () => {
    expect((await runOnce(['--log-format', 'json'], {}, true)).out.startsWith('{"level":"info"')).toBe(true);
    expect((await runOnce([], { MCP_GATEWAY_LOG_FORMAT: 'json' }, true)).out.startsWith('{"level":"info"')).toBe(true);
    expect((await runOnce([], { MCP_GATEWAY_LOG_FORMAT: 'pretty' }, false)).out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO /);
    expect((await runOnce(['--log-format', 'pretty'], { MCP_GATEWAY_LOG_FORMAT: 'json' }, false)).out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO /);
  });

  it('refuses another format with a usage error (exit 2)', async () => {
    const option = await runOnce(['--log-format', 'xml'], {}, false);
    expect(option.code).toBe(2);
    expect(option.err).toContain('--log-format must be json or pretty, not "xml"');
    const env = await runOnce([], { MCP_GATEWAY_LOG_FORMAT: 'yaml' }, false);
    expect(env.code).toBe(2);
    expect(env.err).toContain('MCP_GATEWAY_LOG_FORMAT must be json or pretty');
  });

  it('pretty lines keep the structured fields as key=value, redacted and cut like JSON lines', async () => {
    let out = '';
    const logger = createCliLogger({ level: 'debug', redactKeys: ['token'], format: 'pretty', sink: { write: (text: string) => (out += text) } });
    logger.warn('upstream failed', { upstream: 'kb', error: 'connect ECONNREFUSED 127.0.0.1:9', token: 't1', long: 'x'.repeat(10_000) });
    const event: AuditEvent = {
      time: '2026-01-02T03:04:05.678Z', requestId: 7, tenant: 'acme', client: 'ide', apiKeyId: 'k', clientAddress: '203.0.113.9', protocolVersion: '2025-11-25', method: 'tools/call',
      target: { kind: 'tool', name: 'kb.search' }, upstream: 'kb', item: { kind: 'tool', name: 'search' }, decision: 'denied', status: 403, errorCode: -40300, error: 'FORBIDDEN', durationMs: 1.25,
    };
    logger.audit(event);
    await logger.flush();
    const [warn, audit] = out.trimEnd().split('\n') as [string, string];
    expect(warn).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  upstream failed upstream=kb error="connect ECONNREFUSED 127\.0\.0\.1:9" token=\[REDACTED\] long="x+…\[cut 7952 chars\]"$/);
    expect(audit).toMatch(/^\d\d:\d\d:\d\d\.\d{3} AUDIT denied tools\/call tool kb\.search -> kb 403 FORBIDDEN \(-40300\) 1\.25 ms tenant=acme client=ide key=k from=203\.0\.113\.9 id=7$/);
  });
});
