// The server processes of a benchmark: started with fork, asked for figures over IPC, and always
// stopped, whether the run ends, is interrupted, or overruns its time budget.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the benchmark's children. `budgetMs` bounds the whole run: past it, everything is
 * stopped and the process exits 1, so a stuck server or load loop never keeps a run alive.
 */
export function createChildren(budgetMs) {
  const children = new Map(); // ChildProcess -> script name (exited ones stay: kill() on them is a no-op)
  let stopping = false;
  let seq = 0;

  /** Forks `support/<script>` and resolves once it reports `{ ready, port }`. */
  function start(script, args = [], execArgv = []) {
    return new Promise((resolve, reject) => {
      const child = fork(fileURLToPath(new URL(`./${script}`, import.meta.url)), args, {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv,
      });
      children.set(child, script);
      const timer = setTimeout(() => reject(new Error(`${script} did not start within 10 s`)), 10_000);
      child.once('message', (msg) => {
        clearTimeout(timer);
        resolve({ child, port: msg.port });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        // A server dying mid-run shows up as errors in the load loop; say which one it was.
        if (!stopping) console.error(`${script} exited unexpectedly (${signal ?? `code ${code}`})`);
        reject(new Error(`${script} exited before it was ready`));
      });
    });
  }

  /** Sends `message` to a child and resolves with its reply (matched by a sequence number). */
  function ask(child, message, timeoutMs = 5_000) {
    return new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => reject(new Error(`${children.get(child) ?? 'a server'} did not answer ${message.cmd} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (msg) => {
        if (msg?.seq !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg);
      };
      child.on('message', onMessage);
      // With a callback, a dead child is an error here rather than an unhandled 'error' event.
      child.send({ ...message, seq: id }, (error) => {
        if (!error) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        reject(new Error(`${children.get(child) ?? 'a server'} is gone; the run is void`));
      });
    });
  }

  /** Asks every child to exit (so --cpu-prof can write), then kills what is left after `graceMs`. */
  async function stop(graceMs) {
    stopping = true;
    const exits = [...children.keys()].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.send({ cmd: 'stop' }, (error) => error && child.kill('SIGKILL'));
        }),
    );
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(exits), timeout]);
    clearTimeout(timer);
    for (const child of children.keys()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  process.once('SIGINT', () => {
    console.error('\ninterrupted: stopping the servers');
    void stop(1_000).then(() => process.exit(130));
  });
  const watchdog = setTimeout(() => {
    console.error(`benchmark did not finish within ${Math.round(budgetMs / 1000)} s; stopping`);
    void stop(1_000).then(() => process.exit(1));
  }, budgetMs);
  watchdog.unref();

  return { start, ask, stop };
}
