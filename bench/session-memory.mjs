// Memory per idle client session: the gateway's heap (after full garbage collections) with
// 10,000 sessions open, minus its heap with none, divided by the number of sessions. Measured
// twice: sessions that are only initialized (initialize + notifications/initialized: the
// gateway's own state), and the same sessions after one tools/call each, which opens and keeps
// one upstream session behind every client session. Target: 4 KiB per idle session.
//
// Run: pnpm bench:sessions (after pnpm build). The gateway (bench/support/gateway-server.mjs,
// started with --expose-gc) and the minimal upstream (fast-upstream.mjs) are child processes;
// this process is the client. Loopback only; it stops by itself. Env:
//   BENCH_SESSIONS     sessions to open (default 10000)
//   BENCH_CONCURRENCY  requests in flight while opening them (default 64)
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createChildren } from './support/children.mjs';

// undici 7, the node-http package's own dependency (the root package does not depend on it).
const require = createRequire(new URL('../packages/node-http/package.json', import.meta.url));
const { Pool } = require('undici');

function numberFromEnv(name, fallback, min) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}`);
  return value;
}
const SESSIONS = Math.floor(numberFromEnv('BENCH_SESSIONS', 10_000, 100));
const CONCURRENCY = Math.floor(numberFromEnv('BENCH_CONCURRENCY', 64, 1));
// Heap readings along the way, so the per-session figure is also a slope that fixed costs do not move.
const CHECKPOINTS = [0.25, 0.5, 0.75, 1].map((share) => Math.round(SESSIONS * share));
// Sessions opened, used and deleted before the baseline: code compiled, the upstream's profile
// learned, connection pools grown to what the measured phases use.
const WARMUP_SESSIONS = 500;

const API_KEY = 'bench-key-0123456789abcdef0123456789abcdef';
const PROTOCOL_VERSION = '2025-06-18';
const TARGET_BYTES = 4 * 1024;
const BUDGET_MS = 60_000;

// ---- child processes ------------------------------------------------------------------------

const { start, ask, stop: stopChildren } = createChildren(BUDGET_MS);

/** The gateway's heapUsed after full collections, and its session count. */
async function heapOf(child) {
  const msg = await ask(child, { cmd: 'heap' }, 30_000);
  if (msg.error) throw new Error(`the gateway cannot measure its heap: ${msg.error}`);
  return { heapUsed: msg.heapUsed, sessionCount: msg.sessionCount };
}

// ---- the client -----------------------------------------------------------------------------

const errors = new Map(); // what went wrong -> how often
const fail = (what) => errors.set(what, (errors.get(what) ?? 0) + 1);

let pool;
const BASE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': API_KEY };
const inSession = (sessionId) => ({ ...BASE, 'mcp-protocol-version': PROTOCOL_VERSION, 'mcp-session-id': sessionId });

async function request(method, headers, body) {
  const response = await pool.request({ path: '/mcp', method, headers, body });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'session-memory-bench', version: '1.0.0' } },
});
const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
const CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'fast.echo', arguments: {} } });

/** initialize + notifications/initialized, as a client does; resolves with the session id. */
async function openSession() {
  const init = await request('POST', BASE, INITIALIZE);
  const sessionId = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof sessionId !== 'string') return void fail(`initialize: HTTP ${init.status} ${init.text.slice(0, 160)}`);
  const initialized = await request('POST', inSession(sessionId), INITIALIZED);
  if (initialized.status !== 202) return void fail(`notifications/initialized: HTTP ${initialized.status} ${initialized.text.slice(0, 160)}`);
  return sessionId;
}

/** One tools/call in the session: the gateway opens the session's upstream session for it. */
async function callOnce(sessionId) {
  const answer = await request('POST', inSession(sessionId), CALL);
  if (answer.status !== 200 || !answer.text.includes('"ok"')) fail(`tools/call: HTTP ${answer.status} ${answer.text.slice(0, 160)}`);
}

async function deleteSession(sessionId) {
  const answer = await request('DELETE', inSession(sessionId));
  if (answer.status !== 200) fail(`DELETE: HTTP ${answer.status} ${answer.text.slice(0, 160)}`);
}

/** Runs `job(i)` for i in [from, to) with CONCURRENCY in flight; errors are counted, not thrown. */
async function each(from, to, job) {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      try {
        await job(i);
      } catch (error) {
        fail(error?.code ?? String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

// ---- the run --------------------------------------------------------------------------------

const MiB = 1024 * 1024;
const mib = (bytes) => `${bytes >= 0 ? '+' : ''}${(bytes / MiB).toFixed(2)} MiB`;
const perSession = (bytes) => `${Math.round(bytes)} B (${(bytes / 1024).toFixed(2)} KiB)`;
const verdict = (bytes) => (bytes <= TARGET_BYTES ? 'PASS' : 'FAIL');

/** Least-squares slope of heap over sessions: bytes per session, whatever the fixed costs. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.sessions, 0) / n;
  const my = points.reduce((sum, p) => sum + p.heapUsed, 0) / n;
  const num = points.reduce((sum, p) => sum + (p.sessions - mx) * (p.heapUsed - my), 0);
  const den = points.reduce((sum, p) => sum + (p.sessions - mx) ** 2, 0);
  return num / den;
}

let exitCode = 0;
try {
  const began = performance.now();
  const upstream = await start('fast-upstream.mjs');
  const gateway = await start('gateway-server.mjs', [`http://127.0.0.1:${upstream.port}/mcp`, API_KEY], ['--expose-gc']);
  // One pool for the whole run, so the gateway holds the same client connections at every reading.
  pool = new Pool(`http://127.0.0.1:${gateway.port}`, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 60_000 });
  console.log(`session memory: ${SESSIONS} sessions, ${CONCURRENCY} requests in flight; node ${process.version}, ${availableParallelism()} CPUs`);

  const sessions = [];
  const timings = [];
  const timed = async (what, count, job) => {
    const started = performance.now();
    await job();
    timings.push({ what, count, ms: performance.now() - started });
  };

  await timed('warm-up (open, call, delete)', WARMUP_SESSIONS, async () => {
    const warm = [];
    await each(0, WARMUP_SESSIONS, async (i) => (warm[i] = await openSession()));
    const opened = warm.filter(Boolean);
    await each(0, opened.length, (i) => callOnce(opened[i]));
    await each(0, opened.length, (i) => deleteSession(opened[i]));
  });
  const baseline = await heapOf(gateway.child);
  if (baseline.sessionCount !== 0) fail(`${baseline.sessionCount} sessions left open after the warm-up`);

  // Initialized only: the gateway's own state per session.
  const points = [{ sessions: 0, heapUsed: baseline.heapUsed }];
  await timed('initialize + initialized', SESSIONS, async () => {
    let from = 0;
    for (const to of CHECKPOINTS) {
      await each(from, to, async (i) => (sessions[i] = await openSession()));
      from = to;
      const { heapUsed } = await heapOf(gateway.child);
      points.push({ sessions: to, heapUsed });
    }
  });
  const open = sessions.filter(Boolean);
  const initialized = await heapOf(gateway.child);
  if (initialized.sessionCount !== open.length) fail(`the gateway holds ${initialized.sessionCount} sessions, ${open.length} were opened`);

  // One tools/call each: every session now also holds one upstream session.
  await timed('one tools/call each (opens the upstream session)', open.length, () => each(0, open.length, (i) => callOnce(open[i])));
  const withUpstream = await heapOf(gateway.child);

  await timed('DELETE (here and upstream)', open.length, () => each(0, open.length, (i) => deleteSession(open[i])));
  const deleted = await heapOf(gateway.child);
  if (deleted.sessionCount !== 0) fail(`${deleted.sessionCount} sessions left open after every DELETE`);

  const n = open.length;
  const idleBytes = (initialized.heapUsed - baseline.heapUsed) / n;
  const idleSlope = slope(points);
  const upstreamBytes = (withUpstream.heapUsed - baseline.heapUsed) / n;

  console.log('\n| step | sessions | seconds | sessions/s |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const { what, count, ms } of timings) {
    console.log(`| ${what} | ${count} | ${(ms / 1000).toFixed(2)} | ${Math.round((count / ms) * 1000)} |`);
  }

  console.log('\n| gateway heap after gc | sessions | heapUsed | vs baseline |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| baseline (after the warm-up) | 0 | ${(baseline.heapUsed / MiB).toFixed(2)} MiB | |`);
  for (const point of points.slice(1)) console.log(`| initialized only | ${point.sessions} | ${(point.heapUsed / MiB).toFixed(2)} MiB | ${mib(point.heapUsed - baseline.heapUsed)} |`);
  console.log(`| with one upstream session each | ${n} | ${(withUpstream.heapUsed / MiB).toFixed(2)} MiB | ${mib(withUpstream.heapUsed - baseline.heapUsed)} |`);
  console.log(`| after DELETE of every session | 0 | ${(deleted.heapUsed / MiB).toFixed(2)} MiB | ${mib(deleted.heapUsed - baseline.heapUsed)} |`);

  console.log(`\nper idle session, initialized only: ${perSession(idleBytes)}; slope over ${points.length} readings ${perSession(idleSlope)} (target <= ${TARGET_BYTES / 1024} KiB): ${verdict(idleBytes)}`);
  console.log(`per idle session, with one upstream session: ${perSession(upstreamBytes)} (target <= ${TARGET_BYTES / 1024} KiB): ${verdict(upstreamBytes)}`);
  console.log(`of which the upstream session: ${perSession(upstreamBytes - idleBytes)}`);
  console.log(`total time: ${((performance.now() - began) / 1000).toFixed(1)} s`);

  for (const [what, count] of errors) console.error(`${count} x ${what}`);
  if (errors.size > 0) {
    console.error('\nerrors occurred: the figures above are not trustworthy');
    exitCode = 1;
  }
  await pool.close();
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await stopChildren(3_000);
}
process.exit(exitCode);
