// The GATEWAY under test: createGateway from the built packages, on node:http, in front of the
// fast upstream. Configured as a real deployment would be: API keys (one used, 1,000 more to
// show that the number of keys does not matter), a deny-by-default policy that allows
// tools/call for the bench tenant, a rate limit that never triggers, and first-match routing.
// With `audit`, every decided message is also written as `mcp-gateway run` writes it: the CLI's
// logger (winston, redaction, one JSON line per event) onto a file descriptor of /dev/null, written
// synchronously as process.stdout is when it is a file or a pipe.
// Usage (via fork; gateway-throughput.mjs with audit, session-memory.mjs without):
//   gateway-server.mjs <upstream url> <api key> [audit]
import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGateway } from '../../packages/node-http/dist/index.js';

const [upstreamUrl, apiKey, auditArg] = process.argv.slice(2);

// Lines and bytes written, so the benchmark can check that every answered call was audited.
const written = { lines: 0, bytes: 0 };
let logger;
let devNull;
let context = {};
if (auditArg === 'audit') {
  // Loaded only for audit runs, so the session-memory benchmark's heap does not carry winston.
  const cli = await import('../../packages/cli/dist/index.js');
  const { DEFAULT_REDACT_KEYS } = await import('../../packages/core/dist/index.js');
  devNull = openSync('/dev/null', 'w');
  const sink = {
    write(text) {
      // The CLI hands over the audit lines of one event-loop turn in one write.
      for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) written.lines++;
      written.bytes += writeSync(devNull, text);
    },
  };
  // The CLI's defaults (logging.level info, the default redact keys), so no per-request access line.
  logger = cli.createCliLogger({ level: 'info', redactKeys: [...DEFAULT_REDACT_KEYS], sink });
  context = { logger, onAudit: cli.createAuditWriter(logger) };
}

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
}, context);

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
  if (msg?.cmd === 'audit') return void process.send({ seq: msg.seq, ...written });
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
  await logger?.flush();
  if (devNull !== undefined) closeSync(devNull);
  // process.exit (not a kill) so that --cpu-prof can write its profile.
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
