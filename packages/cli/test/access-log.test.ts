// The debug request log redacts every credential-bearing header, not only those that
// logging.redactKeys happens to list, and every header that list names.
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_REDACT_KEYS } from '@gw/core';
import { createGateway, createGatewayServer, type Gateway } from '@gw/node-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogged } from '../src/access-log.js';
import { createCliLogger, type CliLogger } from '../src/logger.js';

const SECRETS: Record<string, string> = {
  'proxy-authorization': 'Basic cHJveHktc2VjcmV0LTE=',
  'x-auth-token': 'auth-token-value-2',
  cookie: 'sid=cookie-value-3',
  'set-cookie': 'set-cookie-value-4',
  'x-amz-security-token': 'amz-token-value-5',
  'x-upstream-secret': 'upstream-secret-value-6',
  // Not a credential by its name: only logging.redactKeys makes it one.
  'x-tenant-pin': 'configured-value-7',
};

let out = '';
let logger: CliLogger;
let gateway: Gateway;
let server: Server;
let port: number;

beforeAll(async () => {
  logger = createCliLogger({ level: 'debug', redactKeys: [...DEFAULT_REDACT_KEYS, 'X-Tenant-Pin'], sink: { write: (text: string) => (out += text) } });
  gateway = createGateway({ auth: { mode: 'none' }, upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }] }, { logger });
  server = createGatewayServer(accessLogged(gateway, logger, [...DEFAULT_REDACT_KEYS, 'X-Tenant-Pin']));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await gateway.close();
  await closed;
});

describe('the debug request log', () => {
  it('contains none of the values of Proxy-Authorization, X-Auth-Token, Cookie, Set-Cookie, other credential headers and those in redactKeys', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', headers: { ...SECRETS, 'x-request-note': 'plain-value' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    // The line is written when the response closes, just after its end.
    for (let i = 0; i < 50 && !out.includes('"message":"request"'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await logger.flush();
    const line = out.split('\n').find((text) => text.includes('"message":"request"'));
    expect(line).toBeDefined();
    const headers = (JSON.parse(line!) as { headers: Record<string, unknown> }).headers;
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(headers[name], name).toBe('[REDACTED]');
      expect(out, name).not.toContain(value);
    }
    // Everything else stays readable: the log is still a debugging aid.
    expect(headers['x-request-note']).toBe('plain-value');
  });
});
