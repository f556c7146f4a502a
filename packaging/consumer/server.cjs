'use strict';
// An existing CommonJS Express app with the gateway mounted at /mcp, in front of UPSTREAM_URL.
// Prints {"port":<port>} once it listens on 127.0.0.1; SIGTERM closes it.
const express = require('express');
const { mcpGateway } = require('@gw/express');

const app = express();
app.use(express.json());
app.get('/status', (_req, res) => {
  res.json({ app: 'ok' });
});
const gateway = mcpGateway({
  auth: { apiKeys: [{ key: 'packed-key', tenant: 'packed' }] },
  policy: { default: 'allow' },
  upstreams: [{ name: 'up', url: process.env.UPSTREAM_URL }],
});
app.use('/mcp', gateway);

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  gateway.close({ drainMs: 1000 }).then(() => process.exit(0));
});
