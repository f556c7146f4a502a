// haproxy (Debian's package, installed by .ci/run) as a child process on loopback, for the
// scale-out test. Its configuration is examples/docker/haproxy.cfg, the one compose.yml mounts,
// with the listener and the replicas' addresses moved to loopback ports. Every wait is bounded.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const HAPROXY_CFG = join(REPO_ROOT, 'examples/docker/haproxy.cfg');

const MISSING = 'haproxy is not on PATH: the scale-out test needs it. Install it, e.g. `apt-get install -y haproxy` (the CI script .ci/run does).';

/**
 * examples/docker/haproxy.cfg for loopback: `bind` on 127.0.0.1:`port`, the `server-template`
 * (compose's DNS) replaced by one `server` line per replica port, the `resolvers` section dropped.
 * Everything else (balancing, health checks, retries, timeouts) is the file as it stands.
 */
export function loopbackConfig(port: number, replicaPorts: readonly number[]): string {
  const original = readFileSync(HAPROXY_CFG, 'utf8');
  const lines: string[] = [];
  let inResolvers = false;
  let binds = 0;
  let templates = 0;
  for (const line of original.split('\n')) {
    if (/^\S/.test(line)) inResolvers = line.startsWith('resolvers ');
    if (inResolvers) continue;
    if (/^\s+bind\s/.test(line)) {
      binds++;
      lines.push(`  bind 127.0.0.1:${port}`);
    } else if (/^\s+server-template\s/.test(line)) {
      templates++;
      replicaPorts.forEach((replicaPort, index) => lines.push(`  server gateway${index + 1} 127.0.0.1:${replicaPort}`));
    } else lines.push(line);
  }
  if (binds !== 1 || templates !== 1) throw new Error(`${HAPROXY_CFG} should have one bind and one server-template line (found ${binds} and ${templates})`);
  return `${lines.join('\n').trimEnd()}\n`;
}

export interface Haproxy {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Checks `config` with `haproxy -c`, starts haproxy in the foreground and waits until it listens. */
export async function startHaproxy(dir: string, port: number, config: string, timeoutMs = 10_000): Promise<Haproxy> {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8', timeout: 10_000 });
  if (check.error) throw new Error((check.error as NodeJS.ErrnoException).code === 'ENOENT' ? MISSING : String(check.error));
  if (check.status !== 0) throw new Error(`haproxy -c refused the configuration:\n${check.stdout}${check.stderr}`);

  // -db: foreground, no daemon; stopped with SIGUSR1 (soft stop) or SIGKILL.
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4_000)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(port))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`haproxy exited before it listened:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3_000)))]);
      clearTimeout(timer);
    },
  };
}
