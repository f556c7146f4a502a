// Runs the server scenarios of the official MCP conformance suite against server-everything,
// first directly, then through the gateway (the built mcp-gateway CLI) in front of it, and fails
// when a scenario that passes directly does not pass through the gateway.
//
// Started by run.sh with the Node 22 binary of the `node` package (the suite needs Node 22); the
// gateway itself runs on $GATEWAY_NODE, the Node the repository is built and tested with.
//
//   run.mjs [--keep] [scenario ...]    --keep: leave the results directory in place
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const suiteBin = join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const everythingBin = join(here, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const gatewayBin = join(repo, 'packages/cli/dist/bin.js');
const gatewayNode = process.env.GATEWAY_NODE || 'node';

/** One scenario may take this long; the suite's own requests time out well before. */
const SCENARIO_TIMEOUT_MS = 60_000;
/** The whole run, both targets: scenarios not started by then count as not run. */
const RUN_BUDGET_MS = 8 * 60_000;
/** How long a server may take to say it listens. */
const START_TIMEOUT_MS = 20_000;

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((a) => !a.startsWith('--'));

if (Number(process.versions.node.split('.')[0]) < 22) fail(`run.mjs needs Node 22 or later (this is ${process.version}); start it with run.sh`);
if (!existsSync(suiteBin) || !existsSync(everythingBin)) fail('conformance/node_modules is missing: start with conformance/run.sh, which installs it');
if (!existsSync(gatewayBin)) fail(`${gatewayBin} is missing: build the repository first (pnpm -r build)`);

const results = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
/** Every process started here, so that each is ended whatever happens. */
const children = new Set();
const started = Date.now();

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(signal, () => {
    console.log(`conformance: ${signal}, stopping; results so far: ${results}`);
    stopAll().then(() => process.exit(code));
  });
}
// Last resort if something throws past the finally below: no server outlives the run.
process.on('exit', () => { for (const child of children) child.kill('SIGKILL'); });

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(`conformance: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
} finally {
  await stopAll();
  if (exitCode === 0 && !keep) rmSync(results, { recursive: true, force: true });
  else console.log(`results (checks.json per scenario, server logs): ${results}`);
}
process.exit(exitCode);

async function main() {
  const all = await listScenarios();
  const unknown = only.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')} (known: ${all.join(', ')})`);
  const scenarios = only.length > 0 ? only : all;

  const upstream = await startUpstream();
  const gatewayPort = await freePort();
  const gateway = await startGateway(upstream.url, gatewayPort);
  console.log(`server-everything: ${upstream.url}\ngateway:           ${gateway.url}\n`);

  const direct = await runAll('direct', upstream.url, scenarios);
  const through = await runAll('gateway', gateway.url, scenarios);
  const gatewayAlive = gateway.child.exitCode === null && gateway.child.signalCode === null;
  return report(scenarios, direct, through, gatewayAlive);
}

/** Scenario names as the installed suite lists them for servers. */
async function listScenarios() {
  const { code, stdout, stderr } = await run(process.execPath, [suiteBin, 'list', '--server'], { timeoutMs: 30_000 });
  const names = [...stdout.matchAll(/^\s+-\s+(\S+)/gm)].map((m) => m[1]);
  if (code !== 0 || names.length === 0) throw new Error(`conformance list --server failed (exit ${code}): ${stderr || stdout}`);
  return names;
}

/** server-everything in Streamable HTTP mode on a free loopback port (see listen-loopback.mjs). */
async function startUpstream() {
  const child = startChild('server-everything', process.execPath, ['--import', join(here, 'listen-loopback.mjs'), everythingBin, 'streamableHttp'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0' },
  });
  const line = await waitForLine(child, 'stderr', /^conformance-upstream-listening (\d+)$/, 'server-everything');
  return { child, url: `http://127.0.0.1:${line[1]}/mcp` };
}

/**
 * The gateway as a user runs it: the CLI and a YAML file. No credential (the suite cannot send
 * headers), every method allowed, one upstream and no routing rules (the implicit catch-all).
 * allowedOrigins lists the gateway's own loopback origins, as a local deployment would, so that a
 * same-origin page may call it while a foreign Origin is refused (the DNS-rebinding scenario).
 */
async function startGateway(upstreamUrl, port) {
  const config = join(results, 'gateway.yml');
  writeFileSync(config, [
    'server:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    '  path: /mcp',
    `  allowedOrigins: ["http://127.0.0.1:${port}", "http://localhost:${port}"]`,
    'auth:',
    '  mode: none',
    'policy:',
    '  default: allow',
    'upstreams:',
    '  - name: everything',
    `    url: "${upstreamUrl}"`,
    'logging:',
    '  level: http',
    '',
  ].join('\n'));
  // A clean environment: REDIS_URL, session secrets or a key prefix of the caller's shell must not
  // change the gateway under test.
  const child = startChild('gateway', gatewayNode, [gatewayBin, 'run', '-c', config], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_GATEWAY_ENV: 'conformance' },
    cwd: repo,
  });
  await waitForLine(child, 'stdout', /"event":"started"/, 'gateway');
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}

/** Runs each scenario in a process of its own against `url`; a hung scenario costs only itself. */
async function runAll(target, url, scenarios) {
  const out = join(results, target);
  mkdirSync(out, { recursive: true });
  const outcomes = new Map();
  for (const scenario of scenarios) {
    if (Date.now() - started > RUN_BUDGET_MS) {
      outcomes.set(scenario, { status: 'not run', checks: [], detail: 'run budget spent' });
      continue;
    }
    const dir = join(out, scenario.replaceAll('/', '_'));
    const { code, stdout, stderr, timedOut } = await run(process.execPath, [suiteBin, 'server', '--url', url, '--scenario', scenario, '-o', dir], { timeoutMs: SCENARIO_TIMEOUT_MS });
    writeFileSync(join(out, `${scenario.replaceAll('/', '_')}.log`), `${stdout}\n--- stderr ---\n${stderr}`);
    const outcome = readOutcome(dir, { code, timedOut });
    outcomes.set(scenario, outcome);
    process.stderr.write(`${target.padEnd(7)} ${outcome.status.padEnd(7)} ${scenario}\n`);
  }
  return outcomes;
}

/** pass: at least one check and none failed or warned (as the suite's own baseline counts). */
function readOutcome(dir, { code, timedOut }) {
  if (timedOut) return { status: 'timeout', checks: [], detail: `no result within ${SCENARIO_TIMEOUT_MS / 1000} s` };
  const file = existsSync(dir) && readdirSync(dir, { recursive: true }).find((f) => String(f).endsWith('checks.json'));
  if (!file) return { status: 'error', checks: [], detail: `no checks.json (exit ${code})` };
  const checks = JSON.parse(readFileSync(join(dir, String(file)), 'utf8'));
  const failed = checks.filter((c) => c.status === 'FAILURE');
  const warned = checks.filter((c) => c.status === 'WARNING');
  let status = 'pass';
  if (failed.length > 0) status = 'fail';
  else if (warned.length > 0) status = 'warn';
  else if (checks.length === 0) status = 'error';
  const first = failed[0] ?? warned[0];
  return { status, checks, detail: first ? `${first.id}: ${first.errorMessage ?? first.description}` : '' };
}

function report(scenarios, direct, through, gatewayAlive) {
  const rows = scenarios.map((scenario) => {
    const d = direct.get(scenario);
    const g = through.get(scenario);
    const regression = d.status === 'pass' && g.status !== 'pass';
    // Checks that pass directly and fail through the gateway, also inside scenarios that fail directly.
    const passedDirectly = new Set(d.checks.filter((c) => c.status === 'SUCCESS').map((c) => c.id));
    const lostChecks = g.checks.filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO' && passedDirectly.has(c.id)).map((c) => c.id);
    let note = '';
    if (regression) note = `REGRESSION: ${g.detail}`;
    else if (lostChecks.length > 0) note = `check(s) lost: ${lostChecks.join(', ')}`;
    else if (d.status !== 'pass' && g.status === 'pass') note = 'passes only through the gateway';
    else if (d.status !== 'pass') note = `fails directly too: ${d.detail}`;
    return { scenario, direct: d.status, gateway: g.status, regression, lostChecks, note };
  });

  const width = Math.max(...scenarios.map((s) => s.length), 'scenario'.length);
  const line = (a, b, c, d) => `${a.padEnd(width)}  ${b.padEnd(7)}  ${c.padEnd(7)}  ${d}`;
  console.log(line('scenario', 'direct', 'gateway', 'note'));
  console.log(line('-'.repeat(width), '-------', '-------', '----'));
  for (const r of rows) console.log(line(r.scenario, r.direct, r.gateway, truncate(r.note, 140)));

  const passDirect = rows.filter((r) => r.direct === 'pass');
  const regressions = rows.filter((r) => r.regression);
  const lost = rows.filter((r) => !r.regression && r.lostChecks.length > 0);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nconformance: ${passDirect.length - regressions.length} of ${passDirect.length} scenarios that pass directly pass through the gateway `
    + `(${rows.filter((r) => r.gateway === 'pass').length} of ${rows.length} pass through the gateway, ${passDirect.length} directly), ${seconds} s`);
  if (lost.length > 0) console.log(`conformance: checks that pass directly but not through the gateway, in scenarios that fail directly: ${lost.map((r) => `${r.scenario} (${r.lostChecks.join(', ')})`).join('; ')}`);
  if (!gatewayAlive) console.log('conformance: the gateway exited during the run');
  const ok = regressions.length === 0 && lost.length === 0 && gatewayAlive;
  console.log(ok ? 'conformance: OK' : 'conformance: FAILED');
  return ok ? 0 : 1;
}

function truncate(text, max) {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A free loopback port for the gateway, which must know its own origin before it starts. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** A long-running server whose output goes to results/<name>.log as well as to waiters. */
function startChild(name, command, argv, options) {
  const child = spawn(command, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.name = name;
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

function waitForLine(child, stream, pattern, name) {
  return new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => done(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s:\n${child.output.stdout}${child.output.stderr}`)), START_TIMEOUT_MS);
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

/** Runs a command to its end, killed (with its output kept) after timeoutMs. */
function run(command, argv, { timeoutMs }) {
  return new Promise((resolveRun) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: results });
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
      resolveRun({ code: code ?? signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * SIGTERM to each child, the last started first (the gateway, which then closes its sessions on
 * the upstream, before the upstream), SIGKILL to one still there after 5 s.
 */
async function stopAll() {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null).reverse();
  children.clear();
  for (const child of running) {
    await new Promise((resolveStop) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => { clearTimeout(timer); resolveStop(); });
      if (!child.kill('SIGTERM')) { clearTimeout(timer); resolveStop(); }
    });
  }
}

function fail(message) {
  console.error(`conformance: ${message}`);
  process.exit(1);
}
