// Runs the server scenarios of the official MCP conformance suite against upstream servers,
// directly, then through the gateway (the built mcp-gateway CLI) in front of each, and in front of
// several at once, and fails when the gateway loses a scenario or a check that passes directly.
// Two suites, each with its own release of the conformance package:
//   - the session-based revisions (2025-*), every server scenario (`--suite all`), against
//     server-everything (the MCP project's published example server, Streamable HTTP mode) and
//     scenario-server.mjs (exactly the tools, resources and prompts the scenarios name);
//   - revision 2026-07-28 (stateless), the scenarios it requires (`--requirements 2026-07-28`,
//     frozen at its release, plus those run but not scored), against scenario-server-2026.mjs.
//
// Started by run.sh with the Node 22 binary of the `node` package (the suite needs Node 22); the
// gateway itself runs on $GATEWAY_NODE, the Node the repository is built and tested with.
//
//   run.mjs [--keep] [scenario ...]    --keep: leave the results directory in place
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProcesses } from '../peers/processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const everythingBin = join(here, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const gatewayBin = join(repo, 'packages/cli/dist/bin.js');
const gatewayNode = process.env.GATEWAY_NODE || 'node';

/** One run of a whole suite against one URL; it normally takes seconds. */
const SUITE_TIMEOUT_MS = 180_000;
/** A scenario rerun on its own (one the whole run gave no result for). */
const SCENARIO_TIMEOUT_MS = 60_000;
/** The whole run, within run.sh's 10 minutes: what is not run by then counts as not run. */
const RUN_BUDGET_MS = 8 * 60_000;
/** How long a server may take to say it listens. */
const START_TIMEOUT_MS = 20_000;

const UPSTREAMS = [
  {
    label: 'server-everything',
    // listen-loopback.mjs binds it to 127.0.0.1 (it would listen on every interface) and reports its port.
    argv: ['--import', join(here, 'listen-loopback.mjs'), everythingBin, 'streamableHttp'],
  },
  { label: 'scenario-server', argv: [join(here, 'scenario-server.mjs')] },
  { label: 'scenario-server-2026', argv: [join(here, 'scenario-server-2026.mjs')] },
];

/**
 * The suites. Each names the conformance release that runs it, how it picks its scenarios (all
 * at once, or one), the upstreams it is run against directly, and each gateway set-up with the
 * direct results it is held to. A federated set-up puts several upstreams behind one gateway
 * (lists merged, calls routed by the names it listed, the other upstream first or beside it): a
 * client must notice nothing of the other upstream.
 */
const SUITES = [
  {
    label: 'session-based revisions (2025-*)',
    bin: join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
    list: ['list', '--server'],
    all: ['--suite', 'all'],
    one: [],
    direct: ['server-everything', 'scenario-server'],
    setups: [
      { label: 'server-everything', upstreams: [{ name: 'server-everything' }], comparedWith: 'server-everything', showDirect: true },
      { label: 'scenario-server', upstreams: [{ name: 'scenario-server' }], comparedWith: 'scenario-server', showDirect: true },
      // server-everything first, so that the scenario server's items are not simply the first ones.
      { label: 'federated', upstreams: [{ name: 'server-everything' }, { name: 'scenario-server' }], comparedWith: 'scenario-server', showDirect: false },
    ],
  },
  {
    label: 'revision 2026-07-28 (stateless)',
    bin: join(here, 'node_modules/conformance-2026/dist/index.js'),
    list: ['list', '--server', '--requirements', '2026-07-28'],
    all: ['--requirements', '2026-07-28'],
    // One scenario at the revision's wire, also one the revision does not score (an extension).
    one: ['--spec-version', '2026-07-28', '--force'],
    direct: ['scenario-server-2026'],
    setups: [
      { label: 'scenario-server-2026', upstreams: [{ name: 'scenario-server-2026' }], comparedWith: 'scenario-server-2026', showDirect: true },
      // Beside the session-based scenario server, which has the same names (so it gets a prefix)
      // and the same resource URIs (read from the first upstream listed, the stateless one).
      // Lists, server/discover and subscriptions/listen then merge upstreams of both eras.
      {
        label: 'federated-2026',
        upstreams: [{ name: 'scenario-server-2026' }, { name: 'scenario-server', prefix: 'legacy_' }],
        comparedWith: 'scenario-server-2026',
        showDirect: false,
      },
    ],
  },
];

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((a) => !a.startsWith('--'));

if (Number(process.versions.node.split('.')[0]) < 22) fail(`run.mjs needs Node 22 or later (this is ${process.version}); start it with run.sh`);
if (![everythingBin, ...SUITES.map((suite) => suite.bin)].every((file) => existsSync(file))) fail('conformance/node_modules is missing or outdated: start with conformance/run.sh, which installs it');
if (!existsSync(gatewayBin)) fail(`${gatewayBin} is missing: build the repository first (pnpm -r build)`);

const results = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
/** Every process started here, so that each is ended whatever happens. */
const { freePort, startChild, waitForLine, run, stop, stopAll, stopOnSignals } = createProcesses({ results, startTimeoutMs: START_TIMEOUT_MS });
const started = Date.now();

stopOnSignals('conformance');

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(`conformance: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
} finally {
  await stopAll();
  if (exitCode === 0 && !keep) rmSync(results, { recursive: true, force: true });
  else console.log(`results (checks.json per scenario, configs, server logs): ${results}`);
}
process.exit(exitCode);

async function main() {
  // Each suite runs the scenarios it knows; named on the command line, those of them it knows.
  const plans = [];
  for (const suite of SUITES) {
    const { scenarios: known, notScored } = await listScenarios(suite);
    plans.push({ suite, known, notScored, scenarios: only.length > 0 ? only.filter((name) => known.includes(name)) : known });
  }
  const unknown = only.filter((name) => !plans.some((plan) => plan.known.includes(name)));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')} (known: ${[...new Set(plans.flatMap((plan) => plan.known))].join(', ')})`);
  const running = plans.filter((plan) => plan.scenarios.length > 0);

  const needed = new Set(running.flatMap(({ suite }) => [...suite.direct, ...suite.setups.flatMap((setup) => setup.upstreams.map((u) => u.name))]));
  const servers = new Map();
  for (const upstream of UPSTREAMS.filter((u) => needed.has(u.label))) {
    const server = await startUpstream(upstream);
    servers.set(upstream.label, server);
    console.log(`${upstream.label}: ${server.url}`);
  }

  const problems = [];
  for (const { suite, scenarios, notScored } of running) {
    console.log(`\n== ${suite.label}: ${scenarios.length} scenario(s)`);
    const direct = new Map();
    for (const label of suite.direct) direct.set(label, await runScenarios(suite, `${label}-direct`, servers.get(label).url, scenarios));
    const comparisons = [];
    for (const setup of suite.setups) {
      const gateway = await startGateway(setup.label, setup.upstreams.map((u) => ({ ...u, url: servers.get(u.name).url })));
      console.log(`gateway ${setup.label} (${setup.upstreams.map((u) => u.name).join(' + ')}): ${gateway.url}`);
      const through = await runScenarios(suite, `gateway-${setup.label}`, gateway.url, scenarios);
      const gatewayAlive = gateway.child.exitCode === null && gateway.child.signalCode === null;
      // Each gateway goes before the next starts, and all before the upstreams: it ends its
      // upstream sessions while the upstreams are still there.
      await stop(gateway.child);
      comparisons.push({ ...setup, direct: direct.get(setup.comparedWith), through, gatewayAlive });
    }
    problems.push(...report(suite, scenarios, notScored, comparisons));
  }
  for (const problem of problems) console.log(`conformance: PROBLEM ${problem}`);
  console.log(`conformance: ${problems.length === 0 ? 'OK' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return problems.length === 0 ? 0 : 1;
}

/**
 * Server scenario names as the suite's release lists them, and the reason each one it runs but
 * does not score is not scored (an extension, or pending in the suite itself).
 */
async function listScenarios(suite) {
  const { code, stdout, stderr } = await run(process.execPath, [suite.bin, ...suite.list], { timeoutMs: 30_000 });
  const scenarios = [];
  const notScored = new Map();
  // Sections: "Server scenarios" (counted), "Client scenarios" (not ours), then the unscored ones
  // under "<reason> (n):", each tagged [server] or [client].
  let section = 'server';
  let reason;
  for (const line of stdout.split('\n')) {
    if (/^Server scenarios/.test(line)) section = 'server';
    else if (/^Client scenarios/.test(line)) section = 'client';
    else if (/^Run and reported, but never scored/.test(line)) section = 'unscored';
    const heading = section === 'unscored' ? line.match(/^\s+([\w-]+) \(\d+\):$/) : null;
    if (heading) reason = heading[1];
    const item = line.match(/^\s+-\s+(\S+)(?:\s+\[([^\]]+)\])?\s*$/);
    if (!item) continue;
    if (section === 'server') scenarios.push(item[1]);
    else if (section === 'unscored' && item[2] === 'server') {
      scenarios.push(item[1]);
      notScored.set(item[1], reason);
    }
  }
  if (code !== 0 || scenarios.length === 0) throw new Error(`conformance ${suite.list.join(' ')} failed (exit ${code}): ${stderr || stdout}`);
  return { scenarios: [...new Set(scenarios)], notScored };
}

/** An upstream on a free loopback port; it prints `conformance-upstream-listening <port>`. */
async function startUpstream({ label, argv }) {
  const child = startChild(label, process.execPath, argv, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0' } });
  const line = await waitForLine(child, 'stderr', /^conformance-upstream-listening (\d+)$/, label);
  return { child, url: `http://127.0.0.1:${line[1]}/mcp` };
}

/**
 * The gateway as a user runs it: the CLI and a YAML file. No credential (the suite cannot send
 * headers), every method allowed, no routing rules (one upstream: the implicit catch-all; several:
 * the names they list). No allowedOrigins: the defaults of a gateway bound to loopback (its own
 * loopback origins taken, any other Origin and any non-loopback Host refused) are what the
 * DNS-rebinding scenario holds it to.
 */
async function startGateway(label, upstreams) {
  const port = await freePort();
  const config = join(results, `gateway-${label}.yml`);
  writeFileSync(config, [
    'server:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    '  path: /mcp',
    'auth:',
    '  mode: none',
    'policy:',
    '  default: allow',
    'upstreams:',
    ...upstreams.flatMap(({ name, url, prefix }) => [`  - name: ${name}`, `    url: "${url}"`, ...(prefix ? [`    prefix: "${prefix}"`] : [])]),
    'logging:',
    '  level: http',
    '',
  ].join('\n'));
  // A clean environment: REDIS_URL, session secrets or a key prefix of the caller's shell must not
  // change the gateway under test.
  const child = startChild(`gateway-${label}`, gatewayNode, [gatewayBin, 'run', '-c', config], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_GATEWAY_ENV: 'conformance' },
    cwd: repo,
  });
  await waitForLine(child, 'stdout', /"event":"started"/, 'gateway');
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}

/**
 * Every scenario against `url`: one run of the suite for all of them (fast), then each scenario
 * it gave no result for (it crashed, or the run timed out after it) once more in a process of its
 * own. Every run is bounded by what is left of the budget, so the table is printed even when
 * scenarios hang (the suite's client gives up on a request after 60 s).
 */
async function runScenarios(suite, target, url, scenarios) {
  const out = join(results, target);
  mkdirSync(out, { recursive: true });
  const outcomes = new Map();
  // The suite runs all scenarios or one: a chosen few are run one by one.
  if (only.length === 0 && budgetLeft() > 0) {
    const whole = await run(process.execPath, [suite.bin, 'server', '--url', url, ...suite.all, '-o', join(out, 'all')], { timeoutMs: Math.min(SUITE_TIMEOUT_MS, budgetLeft()) });
    writeFileSync(join(out, 'all.log'), `${whole.stdout}\n--- stderr ---\n${whole.stderr}`);
    for (const [scenario, checks] of readChecks(join(out, 'all'))) if (scenarios.includes(scenario)) outcomes.set(scenario, outcomeOf(checks));
    // A run that timed out was stuck in the first scenario it has no result for: not run again.
    const stuck = whole.timedOut ? whole.stdout.match(/=== Running scenario: (\S+) ===(?![\s\S]*=== Running scenario)/)?.[1] : undefined;
    if (stuck && scenarios.includes(stuck) && !outcomes.has(stuck)) outcomes.set(stuck, { status: 'timeout', checks: [], detail: `the suite's run was still in it when its ${(Date.now() - whole.startedAt) / 1000 | 0} s were up` });
  }
  for (const scenario of scenarios.filter((s) => !outcomes.has(s))) {
    if (budgetLeft() < 5_000) {
      outcomes.set(scenario, { status: 'not run', checks: [], detail: `run budget of ${RUN_BUDGET_MS / 60_000} minutes spent` });
      continue;
    }
    const dir = join(out, scenario);
    const one = await run(process.execPath, [suite.bin, 'server', '--url', url, '--scenario', scenario, ...suite.one, '-o', dir], { timeoutMs: Math.min(SCENARIO_TIMEOUT_MS, budgetLeft()) });
    writeFileSync(join(out, `${scenario}.log`), `${one.stdout}\n--- stderr ---\n${one.stderr}`);
    const checks = readChecks(dir).get(scenario);
    if (checks) outcomes.set(scenario, outcomeOf(checks));
    else if (one.timedOut) outcomes.set(scenario, { status: 'timeout', checks: [], detail: `no result within ${(Date.now() - one.startedAt) / 1000 | 0} s` });
    else outcomes.set(scenario, { status: 'error', checks: [], detail: `no checks.json (exit ${one.code}): ${lastLine(one.stderr || one.stdout)}` });
  }
  const passed = scenarios.filter((s) => outcomes.get(s).status === 'pass').length;
  process.stderr.write(`${target}: ${passed} of ${scenarios.length} scenarios pass\n`);
  return outcomes;
}

function budgetLeft() {
  return started + RUN_BUDGET_MS - Date.now();
}

/** scenario → checks, from the suite's `server-<scenario>-<timestamp>/checks.json` directories. */
function readChecks(dir) {
  const found = new Map();
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir)) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const file = join(dir, entry, 'checks.json');
    if (existsSync(file)) found.set(scenario, JSON.parse(readFileSync(file, 'utf8')));
  }
  return found;
}

/**
 * pass: at least one check and none failed, as the suite itself counts (warnings are shown).
 * SKIPPED checks (a part of the scenario that does not apply) are neither.
 */
function outcomeOf(checks) {
  const failed = checks.filter((c) => c.status === 'FAILURE');
  const warned = checks.filter((c) => c.status === 'WARNING');
  let status = failed.length > 0 ? 'fail' : 'pass';
  if (checks.length === 0) status = 'error';
  const first = failed[0] ?? warned[0];
  return { status, warnings: warned.length, checks, detail: first ? `${first.id}: ${first.errorMessage ?? first.description}` : '' };
}

/**
 * Per check id, the worst status it got (a scenario may report one id several times). INFO ranks
 * lowest: a scenario reports a check as INFO when it does not apply to what it saw.
 */
function worstByCheck(checks) {
  const rank = { INFO: 0, SUCCESS: 1, WARNING: 2, FAILURE: 3 };
  const worst = new Map();
  for (const c of checks) {
    if (!(c.status in rank)) continue;
    if (!worst.has(c.id) || rank[c.status] > rank[worst.get(c.id)]) worst.set(c.id, c.status);
  }
  return worst;
}

/** Prints one suite's table and totals; returns its problems. */
function report(suite, scenarios, notScored, comparisons) {
  const problems = [];
  const rows = scenarios.map((scenario) => {
    const cells = [];
    const notes = [];
    if (notScored.has(scenario)) notes.push(`not scored by the revision (${notScored.get(scenario)})`);
    for (const { label, direct, through, showDirect } of comparisons) {
      const d = direct.get(scenario);
      const g = through.get(scenario);
      if (showDirect) cells.push(show(d));
      cells.push(show(g));
      const viaGateway = worstByCheck(g.checks);
      const passedDirectly = [...worstByCheck(d.checks)].filter(([, status]) => status === 'SUCCESS').map(([id]) => id);
      // Checks that pass directly and warn, fail or are missing through the gateway, also inside
      // scenarios that fail directly. One the scenario reports as not applicable (INFO) through the
      // gateway is not lost: the gateway answered in another form the specification allows.
      const lost = passedDirectly.filter((id) => !['SUCCESS', 'INFO'].includes(viaGateway.get(id))).map((id) => `${id} ${viaGateway.get(id) ?? 'missing'}`);
      const notApplicable = passedDirectly.filter((id) => viaGateway.get(id) === 'INFO');
      if (notApplicable.length > 0) notes.push(`${label}: not applicable through the gateway: ${notApplicable.map((id) => `${id} (${infoOf(g.checks, id)})`).join(', ')}`);
      if (d.status === 'pass' && g.status !== 'pass') {
        notes.push(`${label}: LOST through the gateway: ${g.detail}`);
        problems.push(`${scenario} (${label}): passes directly, ${g.status} through the gateway: ${g.detail}`);
      } else if (lost.length > 0) {
        notes.push(`${label}: check(s) lost: ${lost.join(', ')}`);
        problems.push(`${scenario} (${label}): check(s) pass directly, not through the gateway: ${lost.join(', ')}`);
      } else if (d.status !== 'pass' && g.status === 'pass') notes.push(`${label}: passes only through the gateway`);
      else if (d.status !== 'pass' && showDirect) notes.push(`${label} fails directly too: ${d.detail}`);
    }
    return { scenario, cells, note: notes.join('; ') };
  });

  const width = Math.max(...scenarios.map((s) => s.length), 'scenario'.length);
  const heads = comparisons.flatMap(({ label, showDirect }) => (showDirect ? [`${short(label)} direct`, `${short(label)} gw`] : [`${short(label)} gw`]));
  const cell = Math.max(10, ...heads.map((h) => h.length));
  console.log(`\n${suite.label}\n${'scenario'.padEnd(width)}  ${heads.map((h) => h.padEnd(cell)).join(' ')} note`);
  console.log(`${'-'.repeat(width)}  ${heads.map(() => '-'.repeat(cell)).join(' ')} ----`);
  for (const r of rows) console.log(`${r.scenario.padEnd(width)}  ${r.cells.map((c) => c.padEnd(cell)).join(' ')} ${truncate(r.note, 160)}`);
  const legend = comparisons.map(({ label, upstreams, comparedWith }) => `${short(label)}: ${label}${upstreams.length > 1 ? ` (${upstreams.map((u) => u.name).join(' + ')} behind one gateway, held to ${comparedWith} direct)` : ''}`);
  console.log(`(${legend.join(', ')}; gw: through the gateway; "+Nw": passed with N warnings)\n`);

  for (const { label, comparedWith, direct, through, gatewayAlive } of comparisons) {
    const passDirect = scenarios.filter((s) => direct.get(s).status === 'pass');
    const kept = passDirect.filter((s) => through.get(s).status === 'pass');
    const throughOnly = scenarios.filter((s) => through.get(s).status === 'pass').length;
    console.log(`conformance: ${label}: ${kept.length} of ${passDirect.length} scenarios that pass directly (against ${comparedWith}) pass through the gateway (${throughOnly} of ${scenarios.length} pass through the gateway)`);
    if (!gatewayAlive) problems.push(`the gateway ${label} exited during the run`);
  }
  return problems;
}

function infoOf(checks, id) {
  const check = checks.find((c) => c.id === id && c.status === 'INFO');
  return check?.details?.message ?? check?.description ?? '';
}

/** "server-everything" → "se", "federated-2026" → "f2026". */
function short(label) {
  return label.split('-').map((w) => (/^\d+$/.test(w) ? w : w[0])).join('');
}

function show(outcome) {
  return outcome.status === 'pass' && outcome.warnings > 0 ? `pass+${outcome.warnings}w` : outcome.status;
}

function truncate(text, max) {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function lastLine(text) {
  return text.trim().split('\n').at(-1) ?? '';
}

function fail(message) {
  console.error(`conformance: ${message}`);
  process.exit(1);
}
