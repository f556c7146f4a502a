// The tap: a loopback HTTP relay that sits between a client and its target, or between a gateway
// and an upstream, passes everything through as it comes (an SSE event is never held back), and
// records each exchange for the runner: the request line, the MCP headers, a bounded copy of both
// bodies, the JSON-RPC methods, and the protocol revision asked for and answered.
import { Agent, createServer, request } from 'node:http';

/**
 * One loopback HTTP server relaying `/r/<key>/<path>` to `<target origin>/<path>`, each exchange
 * recorded under its key. `route(key, targetUrl)` gives the URL to hand the client (or to write
 * as a gateway's upstream url); `records(key)` what went through it.
 */
export function createTap() {
  const routes = new Map();
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const CAPTURE = 64 * 1024;
  const server = createServer((req, res) => {
    const match = req.url.match(/^\/r\/([^/]+)(\/.*)?$/);
    const route = match && routes.get(match[1]);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32601, message: `the interop tap has no route ${req.url}` } }));
      return;
    }
    const path = match[2] ?? '/';
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const record = {
        at: Date.now(),
        httpMethod: req.method,
        path,
        requestHeaders: pick(req.headers, ['mcp-protocol-version', 'mcp-session-id', 'mcp-method', 'mcp-name', 'accept', 'last-event-id']),
        requestBody: body.toString('utf8').slice(0, CAPTURE),
        rpcMethods: [],
        version: req.headers['mcp-protocol-version'],
        responseBody: '',
      };
      try {
        const parsed = JSON.parse(record.requestBody);
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
          if (m && typeof m.method === 'string') record.rpcMethods.push(m.method);
          if (m?.method === 'initialize') record.requestedVersion = m.params?.protocolVersion;
          const metaVersion = m?.params?._meta?.['io.modelcontextprotocol/protocolVersion'];
          if (!record.version && typeof metaVersion === 'string') record.version = metaVersion;
        }
      } catch {
        // not JSON: recorded as it came
      }
      route.records.push(record);
      const headers = { ...req.headers, host: route.target.host };
      delete headers.connection;
      delete headers['keep-alive'];
      const upstream = request({ host: route.target.hostname, port: route.target.port, method: req.method, path, headers, agent }, (answer) => {
        record.status = answer.statusCode;
        record.responseType = answer.headers['content-type'];
        const out = { ...answer.headers };
        delete out.connection;
        delete out['keep-alive'];
        delete out['transfer-encoding'];
        res.writeHead(answer.statusCode ?? 502, out);
        answer.on('data', (c) => {
          if (record.responseBody.length < CAPTURE) record.responseBody += c.toString('utf8');
          res.write(c);
        });
        answer.on('end', () => {
          res.end();
          if (record.rpcMethods.includes('initialize')) record.initializeVersion = initializeVersionOf(record.responseBody);
        });
        answer.on('error', () => res.destroy());
      });
      upstream.on('error', (err) => {
        record.error = `${err.code ?? ''} ${err.message}`.trim();
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: `interop tap: ${record.error}` } }));
        else res.destroy();
      });
      // The client went away (a closed stream): so does the relayed request.
      res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
      upstream.end(body);
    });
  });
  server.keepAliveTimeout = 5_000;
  const listening = new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    listening,
    route(key, target) {
      const url = new URL(target);
      routes.set(key, { target: url, records: [] });
      return { key, url: `http://127.0.0.1:${server.address().port}/r/${key}${url.pathname}` };
    },
    records: (key) => routes.get(key)?.records ?? [],
    close() {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

function initializeVersionOf(body) {
  const texts = body.trimStart().startsWith('{') ? [body] : body.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
  for (const text of texts) {
    try {
      const message = JSON.parse(text);
      if (typeof message?.result?.protocolVersion === 'string') return message.result.protocolVersion;
    } catch {
      // an event that is not JSON (a priming event with an empty data line)
    }
  }
  return undefined;
}

function pick(headers, names) {
  return Object.fromEntries(names.filter((n) => headers[n] !== undefined).map((n) => [n, n === 'mcp-session-id' ? `${String(headers[n]).slice(0, 12)}…` : headers[n]]));
}
