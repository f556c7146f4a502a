// mcp-proxy (a stdio to Streamable HTTP bridge) in front of the MCP project's server-everything
// in stdio mode: the bridge keeps a session per client and passes messages of either era on.
// Its tools used here: get-sum (a + b), echo, and get-env, which the gateway's policy denies;
// its resource demo://resource/static/document/architecture.md and its prompt args-prompt (city).
// Listens on 127.0.0.1:$PORT/mcp; says so on stderr once the port takes connections.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, '..', 'node_modules');
const port = process.env.PORT;
const child = spawn(process.execPath, [
  join(modules, 'mcp-proxy/dist/bin/mcp-proxy.mjs'),
  '--host', '127.0.0.1', '--port', port, '--server', 'stream', '--streamEndpoint', '/mcp',
  '--', process.execPath, join(modules, '@modelcontextprotocol/server-everything/dist/index.js'), 'stdio',
], { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));

// mcp-proxy prints nothing machine-readable when it listens: knock until it answers.
const deadline = Date.now() + 20_000;
while (!(await accepts())) {
  if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('mcp-proxy did not listen within 20 s'); }
  await new Promise((r) => setTimeout(r, 100));
}
process.stderr.write(`interop-upstream-listening ${port}\n`);

function accepts() {
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
