// A gateway in its own `node --expose-gc` process (gateway-process.mjs), for tests that measure
// its heap. vitest runs test files in workers started without --expose-gc, and a heap reading
// taken there would include the upstream fixtures and the load generator; in a child process
// of its own, heapUsed is the gateway's alone. The child serves the built package: run
// `pnpm -r build` first. Every wait here is bounded.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GatewayOptions } from '@gw/core';

const SCRIPT = fileURLToPath(new URL('./gateway-process.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** What the child reports on request. */
export interface GatewayReport {
  /** heapUsed in bytes after full collections. */
  heapUsed: number;
  sessionCount: number;
  /** Warnings and errors the gateway logged so far, with the first few. */
  logs: { error: number; warn: number; samples: string[] };
}

export interface GatewayProcess {
  /** The MCP endpoint, http://127.0.0.1:<port>/mcp */
  url: string;
  origin: string;
  child: ChildProcess;
  /** Collects garbage in the child, then reports its heap, session count and logs. */
  report(): Promise<GatewayReport>;
  /** Closes the gateway (bounded) and waits for the process to exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

type ChildMessage = { ready: true; port: number } | { ready: false; error: string } | ({ seq: number } & GatewayReport);

function waitFor<T>(child: ChildProcess, what: string, timeoutMs: number, pick: (message: ChildMessage) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`the gateway process did not ${what} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ChildMessage): void => {
      const picked = pick(message);
      if (picked !== undefined) finish(picked);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => finish(new Error(`the gateway process exited (${signal ?? `code ${String(code)}`}) before it could ${what}`));
    function finish(result: T | Error): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (result instanceof Error) reject(result);
      else resolve(result);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Starts the child and a gateway in it with `options`; resolves once it listens. */
export async function startGatewayProcess(options: GatewayOptions, timeoutMs = 10_000): Promise<GatewayProcess> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run pnpm -r build first`);
  const child = fork(SCRIPT, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let port: number;
  try {
    const ready = waitFor(child, 'start', timeoutMs, (message) => ('ready' in message ? message : undefined));
    child.send({ cmd: 'start', options });
    const started = await ready;
    if (!started.ready) throw new Error(`the gateway did not start: ${started.error}`);
    port = started.port;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const origin = `http://127.0.0.1:${port}`;
  let seq = 0;
  return {
    url: `${origin}/mcp`,
    origin,
    child,
    report() {
      const id = ++seq;
      const answer = waitFor(child, 'report its heap', 30_000, (message) => ('seq' in message && message.seq === id ? message : undefined));
      child.send({ cmd: 'heap', seq: id });
      return answer.then(({ heapUsed, sessionCount, logs }) => ({ heapUsed, sessionCount, logs }));
    },
    async stop(stopTimeoutMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, stopTimeoutMs)));
      // A dead IPC channel makes send fail; then there is nothing to ask politely.
      child.send({ cmd: 'stop' }, (error) => error && child.kill('SIGKILL'));
      await Promise.race([exited, deadline]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
