// A gateway in a child process of its own, for tests that measure its heap: started by
// test/support/gateway-process.ts with `node --expose-gc`, it serves the BUILT package
// (dist/, so `pnpm -r build` first: plain node cannot load the TypeScript sources) on a free
// loopback port. Nothing else lives in this process, so heapUsed is the gateway's alone, not the
// upstream fixtures' or the load generator's.
//
// Protocol over IPC. In: { cmd: 'start', options }, { cmd: 'heap', seq }, { cmd: 'stop' }.
// Out: { ready: true, port } | { ready: false, error }, and for 'heap'
// { seq, heapUsed, sessionCount, logs: { error, warn, samples } }.
import { createServer } from 'node:http';
import { createGateway } from '../../dist/index.js';

if (typeof globalThis.gc !== 'function') throw new Error('start this process with node --expose-gc');
const gc = globalThis.gc;

// Every warning and error the gateway logs (an upstream failure is one): the tests allow none.
const logs = { error: 0, warn: 0, samples: [] };
const record = (level) => (message, meta) => {
  logs[level]++;
  if (logs.samples.length < 10) logs.samples.push(`${level}: ${message} ${JSON.stringify(meta ?? {})}`);
};
const logger = { error: record('error'), warn: record('warn'), info: () => undefined, debug: () => undefined };

let gateway;
let server;

/**
 * heapUsed once garbage is gone. Several full collections with turns of the event loop between
 * them: closed sockets and settled promises release what they hold in callbacks that run after
 * a collection, and a second collection then frees it. The smallest reading of the last rounds
 * is taken, as a stray allocation between gc() and the reading can only add.
 */
async function settledHeap() {
  const readings = [];
  for (let round = 0; round < 6; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (round >= 3) readings.push(process.memoryUsage().heapUsed);
  }
  return Math.min(...readings);
}

process.on('message', async (msg) => {
  if (msg?.cmd === 'start') {
    try {
      gateway = createGateway(msg.options, { logger });
      server = createServer(gateway);
      // Longer than the load generator's keep-alive, so the server never closes a socket a client is about to reuse.
      server.keepAliveTimeout = 60_000;
      server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
    } catch (error) {
      process.send({ ready: false, error: String(error?.stack ?? error) });
    }
  } else if (msg?.cmd === 'heap') {
    const heapUsed = await settledHeap();
    process.send({ seq: msg.seq, heapUsed, sessionCount: gateway?.sessionCount ?? -1, logs });
  } else if (msg?.cmd === 'stop') {
    server?.close();
    server?.closeAllConnections();
    // Bounded: gateway.close() ends upstream sessions with DELETEs that have their own timeout.
    if (gateway) await Promise.race([gateway.close({ drainMs: 0 }), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    process.exit(0);
  }
});
// The test runner died without stopping us: do not linger.
process.on('disconnect', () => process.exit(0));
