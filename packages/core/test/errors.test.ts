import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorNameForCode, GATEWAY_ERRORS, type GatewayErrorName } from '../src/index.js';
import { deny, jsonRpcError } from '../src/internal.js';

const names = Object.keys(GATEWAY_ERRORS) as GatewayErrorName[];
const STANDARD = new Set([-32700, -32600, -32601, -32602, -32603]);
const MCP_NAMED = new Set([-32020, -32022]);

describe('the wire error table', () => {
  it('gives every error a distinct code', () => {
    const codes = names.map((n) => GATEWAY_ERRORS[n].code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('keeps gateway codes out of the range MCP reserves and off the codes MCP assigns', () => {
    for (const name of names) {
      const { code } = GATEWAY_ERRORS[name];
      expect([-1, -32002, -32042]).not.toContain(code);
      if (STANDARD.has(code) || MCP_NAMED.has(code)) continue;
      expect(code < -32768 || code > -32000, `${name} ${code}`).toBe(true);
      expect(Number.isInteger(code)).toBe(true);
    }
  });

  it('derives each gateway-specific code from its HTTP status', () => {
    for (const name of names) {
      const { code, status } = GATEWAY_ERRORS[name];
      if (STANDARD.has(code) || MCP_NAMED.has(code)) continue;
      expect(Math.floor(-code / 100), name).toBe(status);
    }
  });

  it('maps the statuses a gateway answers with', () => {
    expect(GATEWAY_ERRORS.UNAUTHENTICATED.status).toBe(401);
    expect(GATEWAY_ERRORS.FORBIDDEN.status).toBe(403);
    expect(GATEWAY_ERRORS.SESSION_NOT_FOUND.status).toBe(404);
    expect(GATEWAY_ERRORS.PAYLOAD_TOO_LARGE.status).toBe(413);
    expect(GATEWAY_ERRORS.RATE_LIMITED.status).toBe(429);
    expect(GATEWAY_ERRORS.UPSTREAM_UNREACHABLE.status).toBe(502);
    expect(GATEWAY_ERRORS.RATE_LIMIT_STORE_UNAVAILABLE.status).toBe(503);
    expect(GATEWAY_ERRORS.UPSTREAM_TIMEOUT.status).toBe(504);
    expect(GATEWAY_ERRORS.PARSE_ERROR).toMatchObject({ code: -32700, status: 400 });
  });

  it('never answers a client mistake with a 5xx', () => {
    const clientSide: GatewayErrorName[] = ['PARSE_ERROR', 'INVALID_REQUEST', 'NO_ROUTE', 'INVALID_PARAMS', 'BAD_REQUEST', 'HEADER_MISMATCH'];
    for (const name of clientSide) expect(GATEWAY_ERRORS[name].status).toBeLessThan(500);
  });
});

describe('rendering a denial', () => {
  it('appends the detail to the table message and carries headers and data', () => {
    const d = deny('RATE_LIMITED', 'slow down', { headers: { 'retry-after': '3' }, data: { limit: 1 } });
    expect(d).toEqual({
      ok: false,
      name: 'RATE_LIMITED',
      status: 429,
      error: { code: -42900, message: 'Rate limit exceeded: slow down', data: { limit: 1 } },
      headers: { 'retry-after': '3' },
    });
  });

  it('renders a JSON-RPC 2.0 error response with the request id, or null when unknown', () => {
    const d = deny('FORBIDDEN');
    expect(jsonRpcError(d, 7)).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -40300, message: 'Forbidden' } });
    expect(jsonRpcError(d, 'abc').id).toBe('abc');
    expect(jsonRpcError(d, undefined).id).toBeNull();
    expect(jsonRpcError(d, null).id).toBeNull();
  });

  it('looks names up by code', () => {
    expect(errorNameForCode(-42900)).toBe('RATE_LIMITED');
    expect(errorNameForCode(12345)).toBeUndefined();
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

  it('documents every wire error with its code, status and message, as the table has them', () => {
    for (const name of names) {
      const { code, status, message } = GATEWAY_ERRORS[name];
      expect(doc, name).toContain(`| \`${name}\` | ${code} | ${status} | \`${message}\` |`);
      const entry = GATEWAY_ERRORS[name];
      if ('statelessStatus' in entry) {
        const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\` |`)) ?? '';
        expect(row, `${name} says what a 2026-07-28 client gets`).toContain(`HTTP ${entry.statelessStatus}`);
      }
    }
  });
});
