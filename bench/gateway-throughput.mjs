// Throughput and latency of the gateway (createGateway on node:http) against the FLOOR, a bare
// undici proxy, both in front of the same minimal MCP upstream. The gateway reads, parses and
// validates every body, authenticates, decides (policy, rate limit, route), maps sessions and
// writes an audit line per message; the floor only relays bytes. The gap between them is what the
// gateway costs per request. Measured for JSON answers and for SSE answers (the upstream streams
// tools/call of `fast.stream`; the gateway parses and re-emits each event, the floor pipes bytes).
// Targets: gateway/floor throughput >= 0.90 and added p99 latency < 1 ms, at BENCH_CONCURRENCY.
// Then the same comparison at several numbers of concurrent clients (the sweep), drawn as an SVG.
//
// Run: pnpm bench:gateway (after pnpm build). Each server is a child process; this process is the
// load generator. Env:
//   BENCH_SECONDS         measured seconds per target and answer kind at BENCH_CONCURRENCY, split
//                         over the rounds (default 24)
//   BENCH_ROUNDS          rounds, alternating the order of the targets; an even number, as the
//                         ratio is taken over pairs of rounds (default 12)
//   BENCH_WARMUP_SECONDS  warm-up per target and answer kind before measuring (default 2)
//   BENCH_CONCURRENCY     requests in flight for the verdicts (default 32)
//   BENCH_ANSWERS         answer kinds to measure: json, sse or json,sse (default)
//   BENCH_SWEEP           concurrency levels of the sweep, comma-separated (default 1,8,32,128);
//                         none to skip. BENCH_CONCURRENCY's level reuses the figures above.
//   BENCH_SWEEP_SECONDS   measured seconds per target, answer kind and level (default 3)
//   BENCH_SWEEP_ROUNDS    rounds per level, an even number (default 4)
//   BENCH_CHART           where the sweep's SVG goes, relative to the repository (default
//                         docs/bench.svg); none to write no chart
//   BENCH_AUDIT           cli (default: the gateway writes every audit event as a JSON line, as
//                         mcp-gateway run does, to /dev/null) or off (no audit sink, to see its cost)
//   BENCH_FLOOR_RELAY     how the floor sends a JSON answer back: one-write (head and body in one
//                         socket write, as the gateway does), buffer (default: read it whole, then
//                         end(), as the gateway does with JSON answers) or pipeline (stream/promises)
//   BENCH_SSE_FORM        canonical (default: the upstream writes events as the gateway does, so
//                         they pass on as they came) or parsed (CRLF line ends and a comment line:
//                         every event goes through the gateway's UTF-8 decoder and SSE parser)
//   BENCH_PROFILE_DIR     run the floor and gateway with --cpu-prof, writing profiles there; read
//                         them with `node bench/support/cpuprofile-top.mjs <file.cpuprofile>`
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createChildren } from './support/children.mjs';
import { renderChart } from './support/svg-chart.mjs';

// undici 7, the node-http package's own dependency (the root package does not depend on it).
const require = createRequire(new URL('../packages/node-http/package.json', import.meta.url));
const { Pool } = require('undici');

function numberFromEnv(name, fallback, min) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}`);
  return value;
}
function evenFromEnv(name, fallback) {
  const value = numberFromEnv(name, fallback, 2);
  if (!Number.isInteger(value) || value % 2 !== 0) throw new Error(`${name} must be an even whole number >= 2 (rounds are paired)`);
  return value;
}
function listFromEnv(name, fallback) {
  const raw = (process.env[name] ?? fallback).trim();
  return raw === '' || raw === 'none' ? [] : raw.split(',').map((item) => item.trim());
}
const SECONDS = numberFromEnv('BENCH_SECONDS', 24, 0.5);
// Several rounds rather than one long one: the capacity of a small VM drifts over seconds. Rounds
// of 2 s, not shorter: a stall of the machine lands in one target's round, and in a half-second
// round it moved that pair's p99 difference by up to 2 ms while the throughputs stayed level.
const ROUNDS = evenFromEnv('BENCH_ROUNDS', 12);
const WARMUP_SECONDS = numberFromEnv('BENCH_WARMUP_SECONDS', 2, 0);
const CONCURRENCY = Math.floor(numberFromEnv('BENCH_CONCURRENCY', 32, 1));
const SWEEP_SECONDS = numberFromEnv('BENCH_SWEEP_SECONDS', 3, 0.2);
const SWEEP_ROUNDS = evenFromEnv('BENCH_SWEEP_ROUNDS', 4);
// A short warm-up at each new level: the pools open the connections that level needs.
const SWEEP_WARMUP_SECONDS = Math.min(0.5, WARMUP_SECONDS);
const SWEEP = [...new Set(listFromEnv('BENCH_SWEEP', '1,8,32,128').map(Number))].sort((a, b) => a - b);
if (SWEEP.some((level) => !Number.isInteger(level) || level < 1)) throw new Error('BENCH_SWEEP must list whole numbers >= 1, or be none');
const FLOOR_RELAY = process.env.BENCH_FLOOR_RELAY ?? 'buffer';
if (!['pipeline', 'buffer', 'one-write'].includes(FLOOR_RELAY)) throw new Error('BENCH_FLOOR_RELAY must be buffer, one-write or pipeline');
const AUDIT = process.env.BENCH_AUDIT ?? 'cli';
if (!['cli', 'off'].includes(AUDIT)) throw new Error('BENCH_AUDIT must be cli or off');
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const REPO = fileURLToPath(new URL('..', import.meta.url));
const CHART = listFromEnv('BENCH_CHART', 'docs/bench.svg')[0];

/** The answer kinds: which tool is called, and the content type the answer must come back in. */
const KINDS = {
  json: { label: 'JSON', tool: 'fast.echo', contentType: 'application/json' },
  sse: { label: 'SSE', tool: 'fast.stream', contentType: 'text/event-stream' },
};
const ANSWERS = listFromEnv('BENCH_ANSWERS', 'json,sse');
if (ANSWERS.length === 0 || ANSWERS.some((kind) => !(kind in KINDS))) throw new Error('BENCH_ANSWERS must be json, sse or json,sse');

const API_KEY = 'bench-key-0123456789abcdef0123456789abcdef';
const PROTOCOL_VERSION = '2025-06-18';
const MIN_THROUGHPUT_RATIO = 0.9;
const MAX_ADDED_P99_MS = 1;

// ---- child processes ------------------------------------------------------------------------

const sweepLevels = SWEEP.filter((level) => level !== CONCURRENCY);
const plannedSeconds =
  ANSWERS.length * (3 * (WARMUP_SECONDS + SECONDS) + sweepLevels.length * 2 * (SWEEP_WARMUP_SECONDS + SWEEP_SECONDS));
const budgetMs = plannedSeconds * 1_500 + 30_000;
const { start, ask, stop: stopChildren } = createChildren(budgetMs);

/** CPU time (user + system, µs) a child has used so far. */
async function cpuOf(child) {
  const { cpu } = await ask(child, { cmd: 'cpu' });
  return cpu.user + cpu.system;
}

// ---- the load -------------------------------------------------------------------------------

const MAX_IN_FLIGHT = Math.max(CONCURRENCY, ...SWEEP);

/** One server the load is sent to, with its own client pool and MCP session. */
function target(name, { port, child }, extraHeaders = {}) {
  return {
    name,
    proxy: child, // the proxy process, if any, whose CPU time is charged to this target
    path: '/mcp',
    pool: new Pool(`http://127.0.0.1:${port}`, { connections: MAX_IN_FLIGHT, pipelining: 1, keepAliveTimeout: 30_000 }),
    base: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extraHeaders },
    headers: undefined, // set once the session is open
    answered: 0, // every answered POST, warm-up and session opening included (the audit check)
    errors: 0,
    errorSamples: new Map(),
  };
}

/** What one target did at one answer kind and level, over all its measured rounds. */
function newStats() {
  return { latencies: [], roundLatencies: [], requests: 0, elapsedMs: 0, rounds: [], cpuUs: { load: 0, proxy: 0, upstream: 0 } };
}

async function post(t, headers, message) {
  const response = await t.pool.request({ path: t.path, method: 'POST', headers, body: JSON.stringify(message) });
  const text = await response.body.text();
  t.answered++;
  return { status: response.statusCode, headers: response.headers, text };
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
const callBodies = Object.fromEntries(
  Object.entries(KINDS).map(([kind, { tool }]) => [kind, (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${tool}","arguments":{}}}`]),
);

/**
 * `concurrency` callers, each sending its next tools/call as soon as the last one is answered.
 * With `stats`, the window is measured (throughput, latency, CPU); without, it is a warm-up.
 * CPU time per request is recorded beside throughput: on a small shared machine it is far less
 * noisy, and it says which process the time goes to.
 */
async function load(t, kind, seconds, concurrency, stats) {
  const cpuBefore = stats ? await cpuSnapshot(t) : undefined;
  const callBody = callBodies[kind];
  const { contentType } = KINDS[kind];
  const deadline = performance.now() + seconds * 1000;
  let requests = 0;
  const latencies = [];
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
        t.answered++;
        // A 200 carrying a JSON-RPC error is a failure too (the upstream's answer says "ok"), and
        // so is an answer in the other format: the run must measure the kind it names.
        const type = String(response.headers['content-type'] ?? '');
        if (response.statusCode !== 200 || !text.includes('"ok"')) fail(`HTTP ${response.statusCode}: ${text.slice(0, 160)}`);
        else if (!type.startsWith(contentType)) fail(`${kind} call answered as ${type}`);
        else {
          requests++;
          latencies.push(ms);
        }
      } catch (error) {
        fail(error?.code ?? String(error));
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedMs = performance.now() - began;
  if (stats) {
    const cpuAfter = await cpuSnapshot(t);
    for (const part of Object.keys(stats.cpuUs)) stats.cpuUs[part] += cpuAfter[part] - cpuBefore[part];
    stats.requests += requests;
    stats.elapsedMs += elapsedMs;
    stats.rounds.push((requests / elapsedMs) * 1000);
    stats.roundLatencies.push(latencies);
    for (const ms of latencies) stats.latencies.push(ms);
  }
}

function percentiles(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p99: at(0.99) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summary(stats) {
  const perRequest = (us) => (stats.requests === 0 ? NaN : us / stats.requests);
  return {
    rps: (stats.requests / stats.elapsedMs) * 1000,
    ...percentiles(stats.latencies),
    rounds: stats.rounds,
    roundLatencies: stats.roundLatencies,
    cpu: { load: perRequest(stats.cpuUs.load), proxy: perRequest(stats.cpuUs.proxy), upstream: perRequest(stats.cpuUs.upstream) },
  };
}

/**
 * Measures `targets` at one answer kind and level: a warm-up each, then `rounds` rounds in which
 * every target runs back to back, the order alternating (ABBA) so drift on a shared machine hits
 * them alike. Returns each target's summary and the floor/gateway pairing.
 */
async function compare(kind, concurrency, { seconds, rounds, warmup }, targets, floor, gateway) {
  const stats = new Map(targets.map((t) => [t, newStats()]));
  for (const t of targets) await load(t, kind, warmup, concurrency);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) await load(t, kind, seconds / rounds, concurrency, stats.get(t));
  }
  const results = new Map(targets.map((t) => [t, summary(stats.get(t))]));
  const f = results.get(floor);
  const g = results.get(gateway);
  // Floor and gateway run back to back in every round, in one order and then the other. A single
  // round carries whatever its order does to the targets on a shared machine (this has moved
  // single-round ratios by 10-15%, in either direction); a pair of rounds has each target once in
  // each place, so that cancels. One ratio per pair; their median
  // shrugs off a pair where the machine stalled, which the aggregate does not.
  // Added latency the same way: per pair, the gateway's percentile over its two rounds minus the
  // floor's over theirs. Over all rounds pooled, a stall of the machine during one target's half
  // second lands in that target's tail alone; both figures are printed.
  const paired = [];
  const pairedP50 = [];
  const pairedP99 = [];
  for (let i = 0; i + 1 < f.rounds.length; i += 2) {
    paired.push((g.rounds[i] + g.rounds[i + 1]) / (f.rounds[i] + f.rounds[i + 1]));
    const gp = percentiles([...g.roundLatencies[i], ...g.roundLatencies[i + 1]]);
    const fp = percentiles([...f.roundLatencies[i], ...f.roundLatencies[i + 1]]);
    pairedP50.push(gp.p50 - fp.p50);
    pairedP99.push(gp.p99 - fp.p99);
  }
  return {
    kind, concurrency, results, floor: f, gateway: g, paired, ratio: median(paired), pairedP99,
    addedP50: median(pairedP50), addedP99: median(pairedP99), pooledAddedP50: g.p50 - f.p50, pooledAddedP99: g.p99 - f.p99,
  };
}

// ---- the report -----------------------------------------------------------------------------

const ms = (value) => value.toFixed(3);
const verdict = (ok) => (ok ? 'PASS' : 'FAIL');

/**
 * When the machine is CPU-bound, throughput is inversely proportional to the CPU all three
 * processes spend per request: a cross-check of the ratio that drift in capacity barely moves.
 */
function cpuRatio({ floor, gateway }) {
  const total = (r) => r.cpu.proxy + r.cpu.upstream + r.cpu.load;
  return total(floor) / total(gateway);
}

function printHeadline(c, targets) {
  const { label } = KINDS[c.kind];
  console.log(`\n### ${label} answers, ${c.concurrency} requests in flight\n`);
  console.log('| target | requests/s | p50 ms | p99 ms | requests/s per round |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const t of targets) {
    const r = c.results.get(t);
    console.log(`| ${t.name} | ${r.rps.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.rounds.map((x) => x.toFixed(0)).join(', ')} |`);
  }
  console.log('\nCPU time per request, µs (user + system):\n');
  console.log('| target | proxy | upstream | load generator |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const t of targets) {
    const { cpu } = c.results.get(t);
    console.log(`| ${t.name} | ${t.proxy ? cpu.proxy.toFixed(1) : '-'} | ${cpu.upstream.toFixed(1)} | ${cpu.load.toFixed(1)} |`);
  }
  const { floor: f, gateway: g } = c;
  console.log(`\n${label}: gateway/floor throughput, aggregate ${(g.rps / f.rps).toFixed(3)}; per pair of rounds: ${c.paired.map((r) => r.toFixed(2)).join(', ')}`);
  console.log(`${label}: gateway/floor throughput, median of pairs of rounds: ${c.ratio.toFixed(3)} (target >= ${MIN_THROUGHPUT_RATIO.toFixed(2)}): ${verdict(c.ratio >= MIN_THROUGHPUT_RATIO)}`);
  console.log(`${label}: added latency per pair of rounds, p99: ${c.pairedP99.map((d) => d.toFixed(2)).join(', ')} ms`);
  console.log(`${label}: added latency, p50: ${ms(c.addedP50)} ms (all rounds pooled: ${ms(c.pooledAddedP50)} ms)`);
  console.log(
    `${label}: added latency, p99, median of pairs of rounds: ${ms(c.addedP99)} ms (target < ${MAX_ADDED_P99_MS} ms): ${verdict(c.addedP99 < MAX_ADDED_P99_MS)}; ` +
      `all rounds pooled: ${ms(c.pooledAddedP99)} ms`,
  );
  console.log(
    `${label}: proxy CPU per request: gateway ${g.cpu.proxy.toFixed(1)} µs, floor ${f.cpu.proxy.toFixed(1)} µs ` +
      `(the gateway adds ${(g.cpu.proxy - f.cpu.proxy).toFixed(1)} µs, x${(g.cpu.proxy / f.cpu.proxy).toFixed(2)})`,
  );
  console.log(`${label}: throughput ratio implied by CPU per request (proxy + upstream + load generator): ${cpuRatio(c).toFixed(3)}`);
}

function printSweep(sweep) {
  console.log('\n### Throughput and latency versus concurrency (gateway vs floor)\n');
  console.log('| answers | clients | floor req/s | gateway req/s | ratio (median of round pairs) | ratio implied by CPU | floor p50 / p99 ms | gateway p50 / p99 ms | added p50 / p99 ms (median of round pairs) | added p99 ms, all rounds pooled |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of sweep) {
    const { floor: f, gateway: g } = c;
    console.log(
      `| ${KINDS[c.kind].label} | ${c.concurrency} | ${f.rps.toFixed(0)} | ${g.rps.toFixed(0)} | ${c.ratio.toFixed(3)} | ${cpuRatio(c).toFixed(3)} | ` +
        `${ms(f.p50)} / ${ms(f.p99)} | ${ms(g.p50)} / ${ms(g.p99)} | ${ms(c.addedP50)} / ${ms(c.addedP99)} | ${ms(c.pooledAddedP99)} |`,
    );
  }
}

const COLORS = { floor: '#71717a', gateway: '#2563eb' };

/** Throughput and latency versus concurrency, one row of two panels per answer kind. */
function writeChart(sweep, path) {
  const panels = [];
  for (const kind of ANSWERS) {
    const points = sweep.filter((c) => c.kind === kind);
    const series = (side, pick, dash, suffix = '') => ({
      name: `${side}${suffix}`,
      color: COLORS[side],
      ...(dash ? { dash } : {}),
      points: points.map((c) => [c.concurrency, pick(c[side])]),
    });
    const common = { xLabel: 'concurrent clients', xTicks: points.map((c) => c.concurrency), xLog: true };
    const gatewayRps = { ...series('gateway', (r) => r.rps, undefined, ' (x gateway/floor)'), labels: points.map((c) => `x${c.ratio.toFixed(2)}`) };
    panels.push({ ...common, title: `${KINDS[kind].label} answers: throughput`, yLabel: 'requests/s', series: [series('floor', (r) => r.rps), gatewayRps] });
    panels.push({
      ...common,
      title: `${KINDS[kind].label} answers: latency`,
      yLabel: 'ms (log scale)',
      yLog: true,
      series: [
        series('floor', (r) => r.p50, undefined, ' p50'),
        series('floor', (r) => r.p99, '6 4', ' p99'),
        series('gateway', (r) => r.p50, undefined, ' p50'),
        series('gateway', (r) => r.p99, '6 4', ' p99'),
      ],
    });
  }
  const svg = renderChart({
    title: 'Gateway vs floor (bare undici proxy), same upstream',
    subtitle:
      `auth, policy, rate limit, routing and audit ${AUDIT === 'cli' ? 'on' : 'off'}; ${SWEEP_SECONDS} s per point in ${SWEEP_ROUNDS} paired rounds ` +
      `(${CONCURRENCY} clients: ${SECONDS} s in ${ROUNDS}); node ${process.version}, ${availableParallelism()} CPUs; pnpm bench:gateway`,
    panels,
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
}

// ---- the run --------------------------------------------------------------------------------

const profileArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
let exitCode = 0;
try {
  const began = performance.now();
  const upstream = await start('fast-upstream.mjs');
  upstreamChild = upstream.child;
  const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
  const [floorServer, gatewayServer] = await Promise.all([
    start('floor-proxy.mjs', [upstreamUrl, FLOOR_RELAY], profileArgs),
    start('gateway-server.mjs', [upstreamUrl, API_KEY, ...(AUDIT === 'cli' ? ['audit'] : [])], profileArgs),
  ]);
  const direct = target('direct upstream (context)', { port: upstream.port });
  const floor = target(`floor (bare undici proxy, ${FLOOR_RELAY})`, floorServer);
  const gateway = target(AUDIT === 'cli' ? 'gateway (audit on)' : 'gateway (audit off)', gatewayServer, { 'x-api-key': API_KEY });
  const all = [direct, floor, gateway];
  for (const t of all) await openSession(t);

  console.log(
    `gateway throughput: ${ANSWERS.map((kind) => KINDS[kind].label).join(' and ')} answers; ${CONCURRENCY} requests in flight, ` +
      `${SECONDS} s measured per target in ${ROUNDS} rounds, ${WARMUP_SECONDS} s warm-up; ` +
      `sweep ${SWEEP.join(', ') || 'none'} (${SWEEP_SECONDS} s per target in ${SWEEP_ROUNDS} rounds); ` +
      `node ${process.version}, ${availableParallelism()} CPUs`,
  );

  const headline = new Map();
  for (const kind of ANSWERS) {
    const c = await compare(kind, CONCURRENCY, { seconds: SECONDS, rounds: ROUNDS, warmup: WARMUP_SECONDS }, all, floor, gateway);
    headline.set(kind, c);
    printHeadline(c, all);
  }

  const sweep = [];
  for (const kind of ANSWERS) {
    for (const level of SWEEP) {
      sweep.push(
        level === CONCURRENCY
          ? headline.get(kind)
          : await compare(kind, level, { seconds: SWEEP_SECONDS, rounds: SWEEP_ROUNDS, warmup: SWEEP_WARMUP_SECONDS }, [floor, gateway], floor, gateway),
      );
    }
  }
  if (sweep.length > 0) printSweep(sweep);

  // Every answered POST to the gateway was one decided message, so it owes one audit line.
  if (AUDIT === 'cli') {
    const audit = await ask(gateway.proxy, { cmd: 'audit' });
    console.log(`\naudit: ${audit.lines} lines (${(audit.bytes / audit.lines).toFixed(0)} bytes each) for ${gateway.answered} messages answered by the gateway`);
    if (audit.lines < gateway.answered) {
      console.error('audit: fewer lines than answered messages; the gateway did not audit every call');
      exitCode = 1;
    }
  }

  console.log('\nsummary:');
  for (const [kind, c] of headline) {
    console.log(
      `  ${KINDS[kind].label}, ${c.concurrency} clients: throughput ratio ${c.ratio.toFixed(3)} ${verdict(c.ratio >= MIN_THROUGHPUT_RATIO)}, ` +
        `added p50 ${ms(c.addedP50)} ms, added p99 ${ms(c.addedP99)} ms ${verdict(c.addedP99 < MAX_ADDED_P99_MS)} (all rounds pooled: ${ms(c.pooledAddedP99)} ms)`,
    );
  }

  if (CHART && SWEEP.length > 1) {
    const path = resolve(REPO, CHART);
    writeChart(sweep, path);
    console.log(`chart: ${relative(process.cwd(), path) || path}`);
  }
  console.log(`run took ${((performance.now() - began) / 1000).toFixed(0)} s`);

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
