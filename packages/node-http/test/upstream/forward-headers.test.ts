import { describe, expect, it } from 'vitest';
import { pickForwarded, upstreamHeaders } from '../../src/upstream/forward-headers.js';
import { createUpstreamClient } from '../../src/upstream/upstream-client.js';

describe('upstream request headers', () => {
  const client = createUpstreamClient({ name: 'u', type: 'http', url: 'http://127.0.0.1:1/mcp', timeoutMs: 1000, maxResponseBytes: 1024, maxConnections: 4, maxStreams: 4, auth: { type: 'apiKey', apiKey: { header: 'X-Upstream-Key', value: 'secret' } } });

  it('copies only allowlisted headers and sets the session, version and credential itself', () => {
    const forwarded = pickForwarded(
      {
        'x-trace-id': 't-1',
        'x-api-key': 'gateway-key',
        authorization: 'Bearer gateway-key',
        cookie: 'c=1',
        'mcp-session-id': 'client-facing-id',
        'x-upstream-key': 'forged',
        accept: 'text/html',
        'mcp-param-region': 'eu',
        'x-split': 'a\r\nx-injected: 1',
      },
      ['x-trace-id', 'mcp-session-id', 'accept', 'x-split'],
    );
    // Picked once where the request comes in: only what the list names, and the revision's Mcp-Param-* apart.
    expect(forwarded).toEqual({ listed: { 'x-trace-id': 't-1' }, params: { 'mcp-param-region': 'eu' }, lastEventId: false });
    const headers = upstreamHeaders(
      forwarded,
      client,
      { sessionId: 'upstream-id', protocolVersion: '2025-06-18', accept: 'application/json, text/event-stream', contentType: 'application/json' },
    );
    expect(headers).toEqual({
      'x-trace-id': 't-1',
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-session-id': 'upstream-id',
      'mcp-protocol-version': '2025-06-18',
      'x-upstream-key': 'secret',
    });
    void client.close();
  });
});
