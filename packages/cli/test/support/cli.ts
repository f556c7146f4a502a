// Helpers for the CLI tests: in-process io that records output, and the real bin as a child
// process. Every wait is bounded, so a broken command fails its test instead of hanging it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/io.js';

/** The built executable the process-level tests run (`pnpm -r build` first). */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** io for an in-process command, with what it wrote. */
export function captureIo(env: Record<string, string> = {}, cwd = FIXTURES): { io: CliIo; stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text) }, env, cwd },
    stdout: () => out,
    stderr: () => err,
  };
}

/** A fresh temporary directory for configuration files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mcp-gateway-cli-'));
}

/** Writes `text` to `dir/name` and returns the path. */
export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The bin running as a child process. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout's JSON lines, parsed (lines that are not JSON are skipped). */
  lines(): Array<Record<string, unknown>>;
  /** Resolves with the first JSON line on stdout that satisfies `test`. */
  waitForLine(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (128 + n for a signal), or 'timeout' after `timeoutMs`, when the child is killed. */
  exited(timeoutMs?: number): Promise<number | 'timeout'>;
  /** SIGKILL unless it already exited. */
  kill(): void;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs `node dist/bin.js ...args` with `env` added to this process's environment. */
export function spawnCli(args: readonly string[], env: Record<string, string | undefined> = {}, cwd = REPO_ROOT): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0))));
  const lines = (): Array<Record<string, unknown>> =>
    out.split('\n').flatMap((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    lines,
    waitForLine: (test, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = lines().find(test);
          if (found) {
            cleanup();
            resolve(found);
          }
          return found !== undefined;
        };
        const onExit = (): void => {
          if (check()) return;
          cleanup();
          reject(new Error(`exited before the line appeared\nstdout:\n${out}\nstderr:\n${err}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no such line within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        function cleanup(): void {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('exit', onExit);
        }
        if (check()) return;
        child.stdout?.on('data', check);
        child.once('exit', onExit);
      }),
    exited: async (timeoutMs = 10_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve('timeout');
        }, timeoutMs);
      });
      try {
        return await Promise.race([exit, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
