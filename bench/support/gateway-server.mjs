// The GATEWAY under test: createGateway from the built packages, on node:http, in front of the
// fast upstream. Configured as a real deployment would be: API keys (one used, 1,000 more to
// show that the number of keys does not matter), a deny-by-default policy that allows
// tools/call for the bench tenant, a rate limit that never triggers, and first-match routing.
// Usage (by gateway-throughput.mjs and session-memory.mjs, via fork): gateway-server.mjs <upstream url> <api key>
import { createServer } from 'node:http';
import { createGateway } from '../../packages/node-http/dist/index.js';

const [upstreamUrl, apiKey] = process.argv.slice(2);

const extraKeys = Array.from({ length: 1_000 }, (_, i) => ({ id: `extra-${i}`, key: `extra-key-${i}-${'x'.repeat(24)}`, tenant: `tenant-${i % 100}`, client: `client-${i}` }));

const gateway = createGateway({
  auth: { apiKeys: [{ id: 'bench', key: apiKey, tenant: 'bench', client: 'load' }, ...extraKeys] },
  policy: {
    default: 'deny',
    rules: [
      { subject: { tenant: 'bench' }, allow: { methods: ['tools/call', 'tools/list'], tools: ['fast.*'] } },
      { subject: { tenant: 'tenant-*' }, allow: { methods: ['tools/list'] } },
    ],
  },
  // High enough never to trigger (the limiter still runs and counts every call).
  rateLimit: { defaultRpm: 100_000_000 },
  upstreams: [{ name: 'fast', url: upstreamUrl, timeoutMs: 10_000 }],
  routing: [
    { match: { tool: 'fast.*' }, upstream: 'fast' },
    { match: { method: '*' }, upstream: 'fast' },
  ],
});

const server = createServer(gateway);
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => process.send({ ready: 'gateway', port: server.address().port }));
/**
 * heapUsed once garbage is gone (session-memory.mjs starts this process with --expose-gc).
 * Several full collections with event-loop turns between them, since closed sockets and settled
 * promises release what they hold in callbacks that run after a collection; the smallest of the
 * last readings is kept, as a stray allocation between gc() and a reading can only add.
 */
async function settledHeap() {
  const readings = [];
  for (let round = 0; round < 6; round++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (round >= 3) readings.push(process.memoryUsage().heapUsed);
  }
  return Math.min(...readings);
}

process.on('message', async (msg) => {
  // CPU time used so far, so the parent can charge it per request of a measured window.
  if (msg?.cmd === 'cpu') return void process.send({ seq: msg.seq, cpu: process.cpuUsage() });
  if (msg?.cmd === 'heap') {
    if (typeof globalThis.gc !== 'function') return void process.send({ seq: msg.seq, error: 'started without --expose-gc' });
    const heapUsed = await settledHeap();
    return void process.send({ seq: msg.seq, heapUsed, sessionCount: gateway.sessionCount });
  }
  if (msg?.cmd !== 'stop') return;
  server.close();
  server.closeAllConnections();
  // Bounded: gateway.close() ends the upstream sessions with DELETEs that have their own timeout.
  await Promise.race([gateway.close(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  // process.exit (not a kill) so that --cpu-prof can write its profile.
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
