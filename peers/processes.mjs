// The child processes of the suites that run real peers (conformance/, interop/): servers started
// and awaited by a line they print, commands run to their end under a deadline, and all of them
// stopped on the way out. Only node: modules, so each suite imports it whatever its own packages.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The processes of one run. `results` is the folder each child's output is written to
 * (`<name>.log`); `startTimeoutMs` bounds waiting for a server's line; `env`, when given, is the
 * environment of commands run with run() (servers get theirs in startChild's options).
 */
export function createProcesses({ results, startTimeoutMs, env }) {
  /** Every child still running, in the order started. */
  const children = new Set();

  /** A free loopback port (asked of the kernel, then released). */
  function freePort() {
    return new Promise((resolvePort, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolvePort(port));
      });
    });
  }

  /** A long-running server whose output is kept for waiters and written to results/<name>.log. */
  function startChild(name, command, argv, options) {
    const child = spawn(command, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.output = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr']) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk) => { child.output[stream] += chunk; });
    }
    child.on('exit', () => {
      writeFileSync(join(results, `${name}.log`), `${child.output.stdout}\n--- stderr ---\n${child.output.stderr}`);
    });
    child.on('error', () => {});
    return child;
  }

  /** Resolves with the match of the first line of `stream` that matches; rejects when the child exits first or after startTimeoutMs. */
  function waitForLine(child, stream, pattern, name) {
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(() => done(new Error(`${name} did not start within ${startTimeoutMs / 1000} s:\n${child.output.stdout}${child.output.stderr}`)), startTimeoutMs);
      const check = () => {
        for (const text of child.output[stream].split('\n')) {
          const match = text.trim().match(pattern);
          if (match) return done(null, match);
        }
      };
      const exited = (code, signal) => done(new Error(`${name} exited (${signal ?? code}) before it listened:\n${child.output.stdout}${child.output.stderr}`));
      const failed = (err) => done(new Error(`${name} could not start: ${err.message}`));
      function done(err, match) {
        clearTimeout(timer);
        child[stream].off('data', check);
        child.off('exit', exited);
        child.off('error', failed);
        if (err) reject(err);
        else resolveLine(match);
      }
      child[stream].on('data', check);
      child.once('exit', exited);
      child.once('error', failed);
      check();
    });
  }

  /** Runs a command to its end in `results`, killed (with its output kept) after timeoutMs; with a name, its output goes to results/<name>.log too. */
  function run(command, argv, { timeoutMs, name }) {
    return new Promise((resolveRun) => {
      const startedAt = Date.now();
      const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: results, ...(env ? { env } : {}) });
      children.add(child);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
      child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
      child.on('error', (err) => { stderr += String(err); });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        children.delete(child);
        if (name !== undefined) writeFileSync(join(results, `${name}.log`), `${stdout}\n--- stderr ---\n${stderr}`);
        resolveRun({ code: code ?? signal, stdout, stderr, timedOut, startedAt });
      });
    });
  }

  /** SIGTERM (a gateway then ends its sessions), SIGKILL when still there after 5 s. */
  async function stop(child) {
    children.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolveStop) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => { clearTimeout(timer); resolveStop(); });
      if (!child.kill('SIGTERM')) { clearTimeout(timer); resolveStop(); }
    });
  }

  /** Every child still running, the last started first (a gateway before its upstreams). */
  async function stopAll() {
    for (const child of [...children].reverse()) await stop(child);
  }

  /**
   * On SIGINT or SIGTERM, stops every child and exits (130, 143), saying where the results are;
   * on any exit, kills what is left, so no server outlives the run whatever throws.
   */
  function stopOnSignals(suite) {
    let stopping = false;
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
      process.on(signal, () => {
        // A wrapping `timeout` may deliver the signal twice (to the process and to its group).
        if (stopping) return;
        stopping = true;
        console.log(`${suite}: ${signal}, stopping; results so far: ${results}`);
        stopAll().then(() => process.exit(code));
      });
    }
    process.on('exit', () => { for (const child of children) child.kill('SIGKILL'); });
  }

  return { freePort, startChild, waitForLine, run, stop, stopAll, stopOnSignals };
}
