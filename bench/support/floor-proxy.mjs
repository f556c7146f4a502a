// The FLOOR: the least a proxy in front of the upstream can do (read the POST body, send it on
// with an undici Pool, send the answer back). No auth, no parsing, no sessions of its own. The
// gateway's cost is reported relative to this, so both use the same pool settings and relay.
// JSON answers are relayed as BENCH_FLOOR_RELAY says; SSE answers are piped through as they come.
// Usage (by gateway-throughput.mjs, via fork): floor-proxy.mjs <upstream url> [buffer|one-write|pipeline]
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';

// undici 7 as the gateway uses it: the node-http package's own dependency.
const require = createRequire(new URL('../../packages/node-http/package.json', import.meta.url));
const { Pool } = require('undici');

const upstream = new URL(process.argv[2]);
// buffer: read the answer whole, then end(), as the gateway sends JSON answers (sendJsonBytes in
// packages/node-http/src/upstream/forward.ts). pipeline: stream/promises pipeline(), which on Node 20 costs
// tens of µs per request more (an AbortController per call, aborted at the end: a DOMException).
const relay = process.argv[3] ?? 'buffer';
const path = `${upstream.pathname}${upstream.search}`;
// Same settings as the gateway's upstream pool (packages/node-http/src/upstream/upstream-client.ts).
const pool = new Pool(upstream.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 10_000 });

// The headers the gateway sends upstream too, so both proxies put the same bytes on the wire.
const FORWARDED = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version'];
// And the client gets the headers the gateway gives it: the session, and for an event stream the
// two that keep intermediaries from buffering or transforming it.
const RETURNED = ['content-type', 'mcp-session-id', 'content-length', 'cache-control', 'x-accel-buffering'];

const server = createServer((req, res) => {
  if (req.method !== 'POST') return void res.writeHead(405, { 'content-length': '0' }).end();
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const headers = {};
    for (const name of FORWARDED) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    try {
      // Buffered, like the gateway must (it parses the body): the bodies are small either way.
      const response = await pool.request({ path, method: 'POST', headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) });
      const out = {};
      for (const name of RETURNED) if (response.headers[name] !== undefined) out[name] = response.headers[name];
      if (response.headers['content-type']?.startsWith('text/event-stream')) {
        // An event stream is relayed as it comes, whatever the relay for JSON: holding it whole
        // would delay every event to the end of the stream.
        res.writeHead(response.statusCode, out);
        response.body.on('error', () => res.destroy());
        response.body.pipe(res);
      } else if (relay === 'pipeline') {
        res.writeHead(response.statusCode, out);
        await pipeline(response.body, res);
      } else {
        const bytes = Buffer.from(await response.body.arrayBuffer());
        out['content-length'] = String(bytes.byteLength);
        res.writeHead(response.statusCode, out);
        // one-write: head and body in one socket write, as the gateway sends JSON answers.
        if (relay === 'one-write') res.end(bytes.toString('latin1'), 'latin1');
        else res.end(bytes);
      }
    } catch (error) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(String(error?.code ?? error));
      else res.destroy();
    }
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => process.send({ ready: 'floor-proxy', port: server.address().port }));
process.on('message', async (msg) => {
  // CPU time used so far, so the parent can charge it per request of a measured window.
  if (msg?.cmd === 'cpu') return void process.send({ seq: msg.seq, cpu: process.cpuUsage() });
  if (msg?.cmd !== 'stop') return;
  server.close();
  server.closeAllConnections();
  await pool.destroy();
  // process.exit (not a kill) so that --cpu-prof can write its profile.
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
