// The FAST upstream: a minimal MCP Streamable HTTP server on bare node:http, so that the upstream
// costs as little as possible and the proxy in front of it is what the benchmark measures.
// No session checks, no SDK: initialize gets a session id, notifications 202, tools/call "ok".
// tools/call of `fast.stream` is answered with an SSE stream when the request accepts one, as the
// SDK's server transport answers by default (chunked: head with one `message` event, then the end);
// every other call gets JSON. Like the SDK's transport, every answer in a session carries its
// Mcp-Session-Id, and an event stream its Cache-Control and X-Accel-Buffering, so a proxy in front
// has the headers of a real upstream to relay. Started by the benchmarks with fork(); reports its
// port over IPC. BENCH_SSE_FORM=parsed writes each event with CRLF line ends after a comment line,
// as some servers do: the gateway then cannot pass it on as it came and runs it through its UTF-8
// decoder and SSE parser (the default, canonical, is the form the gateway writes itself).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const JSON_HEADERS = { 'content-type': 'application/json' };
const PARSED = process.env.BENCH_SSE_FORM === 'parsed';
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };
const STREAMED_TOOL = 'fast.stream';

function reply(res, status, body, extra) {
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method === 'DELETE') return void res.writeHead(200, { 'content-length': '0' }).end();
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST, DELETE', 'content-length': '0' }).end();
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let message;
    try {
      message = JSON.parse(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    } catch {
      return reply(res, 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
    }
    // Notifications (and the client's responses) carry no id that expects an answer.
    if (message.id === undefined || message.method === undefined) return void res.writeHead(202, { 'content-length': '0' }).end();
    const id = JSON.stringify(message.id);
    // The session the request came in (the server keeps none; it hands the id back as the SDK does).
    const session = req.headers['mcp-session-id'];
    const inSession = session === undefined ? undefined : { 'mcp-session-id': session };
    if (message.method === 'tools/call') {
      const result = `{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"ok"}]}}`;
      if (message.params?.name === STREAMED_TOOL && req.headers.accept?.includes('text/event-stream')) {
        res.writeHead(200, inSession ? { ...SSE_HEADERS, ...inSession } : SSE_HEADERS);
        res.write(PARSED ? `: event\r\nevent: message\r\ndata: ${result}\r\n\r\n` : `event: message\ndata: ${result}\n\n`);
        return void res.end();
      }
      return reply(res, 200, result, inSession);
    }
    if (message.method === 'initialize') {
      return reply(
        res,
        200,
        `{"jsonrpc":"2.0","id":${id},"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"fast","version":"1"}}}`,
        { 'mcp-session-id': randomBytes(16).toString('hex') },
      );
    }
    reply(res, 200, `{"jsonrpc":"2.0","id":${id},"result":{}}`, inSession);
  });
});
// Longer than every client pool's idle timeout, so the server never closes a socket a pool is about to reuse.
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => process.send({ ready: 'fast-upstream', port: server.address().port }));
process.on('message', (msg) => {
  // CPU time used so far, so the parent can charge it per request of a measured window.
  if (msg?.cmd === 'cpu') process.send({ seq: msg.seq, cpu: process.cpuUsage() });
  else if (msg?.cmd === 'stop') process.exit(0);
});
// The parent died without stopping us: do not linger.
process.on('disconnect', () => process.exit(0));
