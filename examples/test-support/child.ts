// Runs an example's entry point the way `pnpm demo` does: a separate node process, read from
// its stdout. Every wait here is bounded, so a broken example fails the test instead of hanging it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root, where package.json scripts run from. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The file a root package.json script runs with `node`, e.g. `examples/dist/node-http/main.js`
 * for `pnpm -r build && node examples/dist/node-http/main.js`. Tests spawn exactly that file.
 */
export function scriptEntry(script: string): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const command = manifest.scripts?.[script];
  const entry = command?.match(/\bnode\s+(\S+\.js)\s*$/)?.[1];
  if (!entry) throw new Error(`package.json script "${script}" does not end with "node <file>.js": ${String(command)}`);
  return entry;
}

/** A running example process. */
export interface ExampleProcess {
  /** The URL from its `MCP gateway ready at <url>` line. */
  url: string;
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code; SIGKILL if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

const READY = /^MCP gateway ready at (\S+)$/m;

/** Starts `node <entry>` from the repo root with `env` added, and waits for its ready line. */
export async function spawnExample(entry: string, env: Record<string, string>, timeoutMs = 15_000): Promise<ExampleProcess> {
  const child = spawn(process.execPath, [entry], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no ready line within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
    const onData = (): void => {
      const ready = READY.exec(output);
      if (ready?.[1]) finish(ready[1]);
    };
    const onExit = (code: number | null): void => finish(new Error(`exited with code ${String(code)} before it was ready; output:\n${output}`));
    function finish(result: string | Error): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (typeof result === 'string') resolve(result);
      else {
        child.kill('SIGKILL');
        reject(result);
      }
    }
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  return {
    url,
    child,
    output: () => output,
    async stop(stopTimeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<null>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, stopTimeoutMs);
      });
      try {
        return await Promise.race([exited, killed]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** One raw initialize, as the printed curl example sends it. */
export async function rawInitialize(url: string, apiKey: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'example-test', version: '1.0.0' } },
    }),
    signal: AbortSignal.timeout(5_000),
  });
}
