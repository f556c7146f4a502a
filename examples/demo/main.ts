// `pnpm demo`: the bundled demo MCP server, and `mcp-gateway run -c examples/demo/config.yml` in
// front of it (memory rate limits, no Redis), then what to try. PORT changes the gateway's port.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemoUpstream } from '../demo-upstream/server.js';
import { portFromEnv, readyMessage } from '../shared/run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const upstream = await startDemoUpstream({ port: 0 });
const port = portFromEnv(8080);

// The CLI reads the YAML as a user would; only the port and the upstream's URL come from here.
const cli = spawn(process.execPath, ['packages/cli/dist/bin.js', 'run', '-c', 'examples/demo/config.yml', '--port', String(port)], {
  cwd: root,
  // Human-readable lines when this runs at a terminal (its pipe would make the CLI pick JSON).
  env: { MCP_GATEWAY_LOG_FORMAT: process.stdout.isTTY ? 'pretty' : 'json', ...process.env, DEMO_UPSTREAM_URL: upstream.url },
  stdio: ['ignore', 'pipe', 'inherit'],
  // A process group of its own: Ctrl-C reaches this process only, which passes it on once.
  // Reaching both, the CLI would take it twice (drain, then exit at once on the second).
  detached: true,
});

let announced = false;
cli.stdout.setEncoding('utf8').on('data', (chunk: string) => {
  process.stdout.write(chunk);
  const listening = /listening on (http:\/\/\S+)/.exec(chunk);
  if (!announced && listening) {
    announced = true;
    console.log(`\n${readyMessage(listening[1]!, 'demo-key')}`);
  }
});

// Ctrl-C (or SIGTERM) is passed on to the CLI once; it drains and exits, then the upstream
// stops and this process exits 0 without a trace, so `pnpm demo` ends quietly.
let stopping: NodeJS.Signals | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping || cli.exitCode !== null) return;
    stopping = signal;
    cli.kill(signal);
  });
}
// If this process ends some other way, the CLI (in its own group) does not outlive it.
process.on('exit', () => {
  if (cli.exitCode === null) cli.kill('SIGTERM');
});
cli.on('exit', (code, signal) => {
  // Stopped as asked: drained (0), or, asked before it had set up its own handling, ended by the signal itself.
  const asked = stopping !== undefined && (code === 0 || signal === stopping);
  void upstream.close().then(() => process.exit(asked ? 0 : (code ?? 1)));
});
