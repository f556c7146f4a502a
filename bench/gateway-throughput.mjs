// Throughput and latency of the gateway (createGateway on node:http) against the FLOOR, a bare
// undici proxy, both in front of the same minimal MCP upstream. The gateway reads, parses and
// validates every body, authenticates, decides (policy, rate limit, route) and maps sessions; the
// floor only relays bytes. The gap between them is what the gateway costs per request.
// Targets: gateway/floor throughput >= 0.90 and added p99 latency < 1 ms.
//
// Run: pnpm bench:gateway (after pnpm build). Each server is a child process; this process is the
// load generator. Env:
//   BENCH_SECONDS         measured seconds per target under load, split over the rounds (default 8)
//   BENCH_ROUNDS          rounds, alternating the order of the targets (default 8)
//   BENCH_WARMUP_SECONDS  warm-up per target before measuring (default 2)
//   BENCH_CONCURRENCY     requests in flight under load (default 32)
//   BENCH_FLOOR_RELAY     how the floor sends the answer back: one-write (head and body in one
//                         socket write, as the gateway does), buffer (default: read it whole, then
//                         end(), as the gateway does with JSON answers) or pipeline (stream/promises)
//   BENCH_PROFILE_DIR     run the floor and gateway with --cpu-prof, writing profiles there; read
//                         them with `node bench/support/cpuprofile-top.mjs <file.cpuprofile>`
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
const SECONDS = numberFromEnv('BENCH_SECONDS', 8, 0.5);
// Several short rounds rather than one long one: the capacity of a small VM drifts over seconds.
const ROUNDS = Math.floor(numberFromEnv('BENCH_ROUNDS', 8, 1));
const WARMUP_SECONDS = numberFromEnv('BENCH_WARMUP_SECONDS', 2, 0);
const CONCURRENCY = Math.floor(numberFromEnv('BENCH_CONCURRENCY', 32, 1));
const FLOOR_RELAY = process.env.BENCH_FLOOR_RELAY ?? 'buffer';
if (!['pipeline', 'buffer', 'one-write'].includes(FLOOR_RELAY)) throw new Error('BENCH_FLOOR_RELAY must be buffer, one-write or pipeline');
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
// Latency with one request in flight: the hop's own cost, without the queueing that dominates
// latency under load (where, by Little's law, latency is just concurrency / throughput).
const UNLOADED_SECONDS = SECONDS / 8;

const API_KEY = 'bench-key-0123456789abcdef0123456789abcdef';
const PROTOCOL_VERSION = '2025-06-18';
const MIN_THROUGHPUT_RATIO = 0.9;
const MAX_ADDED_P99_MS = 1;

// ---- child processes ------------------------------------------------------------------------

const budgetMs = (3 * WARMUP_SECONDS + 3 * SECONDS + 4 * UNLOADED_SECONDS) * 1_500 + 30_000;
const { start, ask, stop: stopChildren } = createChildren(budgetMs);

/** CPU time (user + system, µs) a child has used so far. */
async function cpuOf(child) {
  const { cpu } = await ask(child, { cmd: 'cpu' });
  return cpu.user + cpu.system;
}

// ---- the load -------------------------------------------------------------------------------

/** One server the load is sent to, with its own client pool and MCP session. */
function target(name, { port, child }, extraHeaders = {}) {
  return {
    name,
    proxy: child, // the proxy process, if any, whose CPU time is charged to this target
    path: '/mcp',
    pool: new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 }),
    base: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extraHeaders },
    headers: undefined, // set once the session is open
    latencies: [],
    unloaded: [],
    requests: 0,
    errors: 0,
    elapsedMs: 0,
    cpuUs: { load: 0, proxy: 0, upstream: 0 },
    errorSamples: new Map(),
    rounds: [],
  };
}

async function post(t, headers, message) {
  const response = await t.pool.request({ path: t.path, method: 'POST', headers, body: JSON.stringify(message) });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** initialize + notifications/initialized, as a client does; the session id goes on every call after. */
async function openSession(t) {
  const init = await post(t, t.base, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  const sessionId = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof sessionId !== 'string') {
    throw new Error(`${t.name}: initialize answered ${init.status} without a session id: ${init.text.slice(0, 300)}`);
  }
  t.headers = { ...t.base, 'mcp-protocol-version': PROTOCOL_VERSION, 'mcp-session-id': sessionId };
  const initialized = await post(t, t.headers, { jsonrpc: '2.0', method: 'notifications/initialized' });
  if (initialized.status !== 202) throw new Error(`${t.name}: notifications/initialized answered ${initialized.status}: ${initialized.text.slice(0, 300)}`);
}

let upstreamChild;
async function cpuSnapshot(t) {
  const [proxy, upstream] = await Promise.all([t.proxy ? cpuOf(t.proxy) : 0, cpuOf(upstreamChild)]);
  const own = process.cpuUsage();
  return { load: own.user + own.system, proxy, upstream };
}

let nextId = 1;
const callBody = (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"fast.echo","arguments":{}}}`;

/**
 * `concurrency` callers, each sending its next tools/call as soon as the last one is answered.
 * mode: 'warmup' (errors only), 'load' (throughput, latency, CPU) or 'unloaded' (latency only).
 * CPU time per request is recorded beside throughput: on a small shared machine it is far less
 * noisy, and it says which process the time goes to.
 */
async function load(t, seconds, mode, concurrency = CONCURRENCY) {
  const cpuBefore = mode === 'load' ? await cpuSnapshot(t) : undefined;
  const latencies = mode === 'load' ? t.latencies : mode === 'unloaded' ? t.unloaded : undefined;
  const deadline = performance.now() + seconds * 1000;
  let requests = 0;
  const fail = (what) => {
    t.errors++;
    t.errorSamples.set(what, (t.errorSamples.get(what) ?? 0) + 1);
  };
  const caller = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        const response = await t.pool.request({ path: t.path, method: 'POST', headers: t.headers, body: callBody(nextId++) });
        const text = await response.body.text();
        const ms = performance.now() - started;
        // A 200 carrying a JSON-RPC error is a failure too; the upstream's answer says "ok".
        if (response.statusCode !== 200 || !text.includes('"ok"')) fail(`HTTP ${response.statusCode}: ${text.slice(0, 160)}`);
        else {
          requests++;
          latencies?.push(ms);
        }
      } catch (error) {
        fail(error?.code ?? String(error));
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedMs = performance.now() - began;
  if (mode === 'load') {
    const cpuAfter = await cpuSnapshot(t);
    for (const part of Object.keys(t.cpuUs)) t.cpuUs[part] += cpuAfter[part] - cpuBefore[part];
    t.requests += requests;
    t.elapsedMs += elapsedMs;
    t.rounds.push((requests / elapsedMs) * 1000);
  }
}

function percentiles(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p99: at(0.99) };
}

function summary(t) {
  const perRequest = (us) => (t.requests === 0 ? NaN : us / t.requests);
  return {
    rps: (t.requests / t.elapsedMs) * 1000,
    ...percentiles(t.latencies),
    unloaded: percentiles(t.unloaded),
    errors: t.errors,
    rounds: t.rounds,
    cpu: { load: perRequest(t.cpuUs.load), proxy: perRequest(t.cpuUs.proxy), upstream: perRequest(t.cpuUs.upstream) },
  };
}

// ---- the run --------------------------------------------------------------------------------

const profileArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
const ms = (value) => value.toFixed(3);
let exitCode = 0;
try {
  const upstream = await start('fast-upstream.mjs');
  upstreamChild = upstream.child;
  const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
  const [floorServer, gatewayServer] = await Promise.all([
    start('floor-proxy.mjs', [upstreamUrl, FLOOR_RELAY], profileArgs),
    start('gateway-server.mjs', [upstreamUrl, API_KEY], profileArgs),
  ]);
  const direct = target('direct upstream (context)', { port: upstream.port });
  const floor = target(`floor (bare undici proxy, ${FLOOR_RELAY})`, floorServer);
  const gateway = target('gateway', gatewayServer, { 'x-api-key': API_KEY });
  const all = [direct, floor, gateway];
  for (const t of all) await openSession(t);

  console.log(
    `gateway throughput: ${CONCURRENCY} requests in flight, ${SECONDS} s measured per target in ${ROUNDS} rounds, ` +
      `${WARMUP_SECONDS} s warm-up; node ${process.version}, ${availableParallelism()} CPUs`,
  );
  for (const t of all) await load(t, WARMUP_SECONDS, 'warmup');
  // Alternate the order (ABBA) so drift on a shared machine hits floor and gateway alike.
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [direct, floor, gateway] : [gateway, floor, direct];
    for (const t of order) await load(t, SECONDS / ROUNDS, 'load');
  }
  for (const t of [floor, gateway, gateway, floor]) await load(t, UNLOADED_SECONDS / 2, 'unloaded', 1);

  const results = new Map(all.map((t) => [t, summary(t)]));
  console.log('\n| target | requests/s | p50 ms | p99 ms | errors | requests/s per round |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const t of all) {
    const r = results.get(t);
    console.log(`| ${t.name} | ${r.rps.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors} | ${r.rounds.map((x) => x.toFixed(0)).join(', ')} |`);
  }

  console.log('\nCPU time per request under load, µs (user + system):');
  console.log('| target | proxy | upstream | load generator |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const t of all) {
    const { cpu } = results.get(t);
    console.log(`| ${t.name} | ${t.proxy ? cpu.proxy.toFixed(1) : '-'} | ${cpu.upstream.toFixed(1)} | ${cpu.load.toFixed(1)} |`);
  }

  const f = results.get(floor);
  const g = results.get(gateway);
  // Floor and gateway run back to back in every round, so each round gives one paired ratio; their
  // median shrugs off a round where the shared machine stalled, which the aggregate does not.
  const paired = f.rounds.map((floorRps, i) => g.rounds[i] / floorRps).sort((a, b) => a - b);
  const ratio = paired.length % 2 ? paired[(paired.length - 1) / 2] : (paired[paired.length / 2 - 1] + paired[paired.length / 2]) / 2;
  const addedP50 = g.p50 - f.p50;
  const addedP99 = g.p99 - f.p99;
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  console.log(`\ngateway/floor throughput, aggregate: ${(g.rps / f.rps).toFixed(3)}; per round: ${paired.map((r) => r.toFixed(2)).join(', ')}`);
  console.log(`gateway/floor throughput, median of rounds: ${ratio.toFixed(3)} (target >= ${MIN_THROUGHPUT_RATIO.toFixed(2)}): ${verdict(ratio >= MIN_THROUGHPUT_RATIO)}`);
  console.log(`added latency under load, p50: ${ms(addedP50)} ms`);
  console.log(`added latency under load, p99: ${ms(addedP99)} ms (target < ${MAX_ADDED_P99_MS} ms): ${verdict(addedP99 < MAX_ADDED_P99_MS)}`);
  console.log(
    `added latency with 1 request in flight: p50 ${ms(g.unloaded.p50 - f.unloaded.p50)} ms, p99 ${ms(g.unloaded.p99 - f.unloaded.p99)} ms ` +
      `(floor ${ms(f.unloaded.p50)} / ${ms(f.unloaded.p99)}, gateway ${ms(g.unloaded.p50)} / ${ms(g.unloaded.p99)})`,
  );
  console.log(
    `proxy CPU per request: gateway ${g.cpu.proxy.toFixed(1)} µs, floor ${f.cpu.proxy.toFixed(1)} µs ` +
      `(the gateway adds ${(g.cpu.proxy - f.cpu.proxy).toFixed(1)} µs, x${(g.cpu.proxy / f.cpu.proxy).toFixed(2)})`,
  );
  // When the machine is CPU-bound, throughput is inversely proportional to the CPU all three
  // processes spend per request: a cross-check of the ratio that drift in capacity barely moves.
  const totalCpu = (r) => r.cpu.proxy + r.cpu.upstream + r.cpu.load;
  console.log(`throughput ratio implied by CPU per request (proxy + upstream + load generator): ${(totalCpu(f) / totalCpu(g)).toFixed(3)}`);

  for (const t of all) {
    for (const [what, count] of t.errorSamples) console.error(`${t.name}: ${count} x ${what}`);
    if (t.errors > 0) exitCode = 1;
  }
  if (exitCode !== 0) console.error('\nerrors occurred: the figures above are not trustworthy');
  await Promise.all(all.map((t) => t.pool.close()));
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await stopChildren(3_000);
  if (PROFILE_DIR) console.log(`\nCPU profiles of the floor and gateway children: ${PROFILE_DIR}`);
}
process.exit(exitCode);
