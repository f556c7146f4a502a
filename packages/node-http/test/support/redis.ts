/**
 * A real redis-server for tests: a child process on a free loopback port, without persistence
 * (nothing is written to --dir), so a restart comes back empty, as a crashed cache would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';

export interface RedisFixture {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Kills the server (SIGKILL, as a crash would) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and waits until it answers. */
  restart(): Promise<void>;
}

/** How long a start may take before it fails. */
const START_TIMEOUT_MS = 5_000;
/** How long a killed server may take to exit. */
const STOP_TIMEOUT_MS = 3_000;

const MISSING = 'redis-server is not on PATH: the Redis store tests need a real Redis. Install it, e.g. `apt-get install -y redis-server` (the CI script .ci/run does).';

/** A port nobody listens on now: bound to 0, read back, released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Resolves once the server on `port` answers PING with PONG; rejects when `deadline` passes. */
async function waitForPong(port: number, deadline: number, exited: () => string | undefined): Promise<void> {
  for (;;) {
    const exit = exited();
    if (exit !== undefined) throw new Error(exit);
    const pong = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let answer = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        if (answer.includes('\r\n')) socket.end();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer.startsWith('+PONG')));
    });
    if (pong) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts redis-server on a free loopback port and waits until it answers. */
export async function startRedis(): Promise<RedisFixture> {
  let child: ChildProcess | undefined;
  // A test run that dies must not leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function launch(port: number): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), '--loglevel', 'warning', '--daemonize', 'no'];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    // Kept (the tail only) for the error when the server exits early, e.g. port taken.
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let failure: string | undefined;
    proc.once('error', (error: NodeJS.ErrnoException) => {
      failure = error.code === 'ENOENT' ? MISSING : `redis-server failed to start: ${error.message}`;
    });
    proc.once('exit', (code, signal) => {
      failure ??= `redis-server exited early (${signal ?? `code ${String(code)}`}): ${output.trim()}`;
    });
    try {
      await waitForPong(port, Date.now() + START_TIMEOUT_MS, () => failure);
    } catch (error) {
      proc.kill('SIGKILL');
      throw error;
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  // The free port can be taken between looking and binding; try a few.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch(port);
      break;
    } catch (error) {
      if (attempt >= 3 || (error instanceof Error && error.message === MISSING)) {
        process.off('exit', killOnExit);
        throw error;
      }
    }
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      await launch(port);
    },
  };
}
