// Holds Node to what run's timeouts rely on: requestTimeout bounds receiving a request, not
// the answer, so a long SSE answer survives it while a body that trickles in does not.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createGatewayServer, SERVER_TIMEOUTS } from '@gw/node-http';

const server = createGatewayServer(
  (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`data: ${sent}\n\n`);
        if (++sent === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
  },
  { headersTimeout: 200, requestTimeout: 300, keepAliveTimeout: 1_000, connectionsCheckingInterval: 50 },
);
const listening = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the gateway server', () => {
  it('uses deliberate timeouts', () => {
    expect(SERVER_TIMEOUTS.requestTimeout).toBeGreaterThanOrEqual(SERVER_TIMEOUTS.headersTimeout);
    expect(SERVER_TIMEOUTS.keepAliveTimeout).toBeGreaterThan(60_000);
  });

  it('does not cut an answer streamed for longer than requestTimeout', async () => {
    const port = await listening;
    const started = Date.now();
    const answer = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5_000) });
    const text = await answer.text();
    // The answer outlived requestTimeout (300 ms) and was not cut: all eight events arrived.
    expect(Date.now() - started).toBeGreaterThan(300);
    expect(text.match(/^data: /gm)).toHaveLength(8);
  });

  it('answers 408 to a request whose body does not arrive within requestTimeout', async () => {
    const port = await listening;
    const status = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"a'));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
      setTimeout(() => socket.destroy(), 3_000);
    });
    expect(status).toBe('HTTP/1.1 408 Request Timeout');
  });
});
