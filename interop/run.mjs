// Runs third-party MCP clients through the gateway to third-party MCP servers (see README.md):
// every client against every server directly, through a gateway in front of that server alone,
// and through one gateway in front of all of them (federated, with the default names and with
// prefixes). At each target the client lists tools, calls two of them and checks the answers;
// through the gateway, a tool the policy denies must be missing from the list and refused under
// every spelling a client could guess. A tap (a loopback HTTP relay in this process) sits between
// every client and its target and between every gateway and its upstreams, and records each
// exchange: the protocol revision each side spoke, and on failure what was sent and what came
// back. Every message the gateway sent, either way, is held to the JSON Schema of its hop's
// revision (schema-check.mjs).
//
// Started by run.sh. The gateway is the built CLI (packages/cli/dist/bin.js run -c <yaml>) on the
// node on PATH.
//
//   run.mjs [--keep] [client ...]     --keep: leave the results directory in place
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProcesses } from '../peers/processes.mjs';
import { CHECKED_REVISIONS, checkHop } from './schema-check.mjs';
import { createTap } from './tap.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const gatewayBin = join(repo, 'packages/cli/dist/bin.js');

/** The whole run: lanes not started by then are reported as not run. run.sh kills at 5 minutes. */
const RUN_BUDGET_MS = 4 * 60_000;
/** One client's lane: every target it checks, one after the other. */
const LANE_TIMEOUT_MS = 150_000;
/** How long a server or a gateway may take to say it listens. */
const START_TIMEOUT_MS = 30_000;
/** Clients checked at once. Each lane also drives a gateway and the servers: two cores bear two. */
const CONCURRENCY = Math.max(1, Number(process.env.INTEROP_CONCURRENCY) || Math.min(2, availableParallelism()));
/**
 * The environment of every server and client started here: no telemetry (mcp-use reports usage
 * to its vendor and keeps an id in the working directory unless told not to), nothing of the
 * caller's shell.
 */
const PEER_ENV = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  MCP_USE_ANONYMIZED_TELEMETRY: 'false',
  MASTRA_TELEMETRY_DISABLED: 'true',
  OPENAI_AGENTS_DISABLE_TRACING: '1',
};
/** The one API key of the gateways' configuration; also sent on direct runs, where it is ignored. */
const API_KEY = 'interop-key-0123456789';

/**
 * The servers. `tools` names, at that server, a tool that adds (a + b), one that echoes
 * (`message`), and one the gateway's policy denies, whose answer matches `secretText`;
 * `resource`, a text resource and a part of its text; `prompt`, a prompt with a `city` argument.
 */
const SERVERS = [
  { name: 'fastmcp', file: 'fastmcp.mjs', prefix: 'fm_', tools: { add: 'add', echo: 'echo', secret: 'secret' }, secretText: 'the secret is 42', resource: 'greeting', prompt: 'weather' },
  { name: 'mcp-proxy', file: 'mcp-proxy.mjs', prefix: 'px_', tools: { add: 'get-sum', echo: 'echo', secret: 'get-env' }, secretText: '"PATH"', resource: { uri: 'demo://resource/static/document/architecture.md', text: 'Architecture' }, prompt: 'args-prompt' },
  { name: 'mcp-use', file: 'mcp-use.mjs', prefix: 'mu_', tools: { add: 'add', echo: 'echo', secret: 'secret' }, secretText: 'the secret is 42', resource: 'greeting', prompt: 'weather' },
  { name: 'mastra', file: 'mastra.mjs', prefix: 'ma_', tools: { add: 'add', echo: 'echo', secret: 'secret' }, secretText: 'the secret is 42', resource: 'greeting', prompt: 'weather' },
];

// Our own servers offer interop://<server>/greeting, "hello from <server>".
for (const server of SERVERS) if (server.resource === 'greeting') server.resource = { uri: `interop://${server.name}/greeting`, text: `hello from ${server.name}` };
// Prompts are asked with city "Paris": ours say "What's the weather in Paris?", server-everything
// "What's weather in Paris?".

/** The clients, each a module of clients/ run by clients/drive.mjs in a process of its own. */
const CLIENTS = ['ai-sdk', 'langchain', 'mastra', 'openai-agents', 'mcp-remote'];

/**
 * Combinations that are not expected to work directly, each with the reason and the error that
 * shows it (any other failure counts). They are still run (the table shows what happened), and
 * through the gateway they must work: the gateway bridges the eras (docs/protocol-versions.md).
 */
const ERA_MISMATCH = /-32022|Unsupported protocol version/;
const DIRECT_MISMATCH = {
  'langchain/mastra': { reason: 'the client speaks the 2025 revisions only, the server 2026-07-28 only', shownBy: ERA_MISMATCH },
  'mcp-remote/mastra': { reason: 'the client (the official SDK 1.x inside mcp-remote) speaks the 2025 revisions only, the server 2026-07-28 only', shownBy: ERA_MISMATCH },
};

/**
 * Gateway set-ups: each server alone, and all of them behind one gateway, with the names the
 * gateway gives on collisions (`<upstream>_<name>`) and with a prefix per upstream.
 */
const SETUPS = [
  ...SERVERS.map((server) => ({ label: server.name, servers: [server], prefixed: false })),
  { label: 'federated', servers: SERVERS, prefixed: false },
  { label: 'federated-prefixed', servers: SERVERS, prefixed: true },
];

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const onlyClients = args.filter((a) => !a.startsWith('--'));
const clients = onlyClients.length > 0 ? onlyClients : CLIENTS;
for (const name of clients) if (!CLIENTS.includes(name)) fail(`unknown client ${name} (known: ${CLIENTS.join(', ')})`);
if (!existsSync(join(here, 'node_modules/fastmcp'))) fail('interop/node_modules is missing: start with interop/run.sh, which installs it');
if (!existsSync(gatewayBin)) fail(`${gatewayBin} is missing: build the repository first (pnpm -r build)`);

const results = mkdtempSync(join(tmpdir(), 'mcp-interop-'));
/** Every process started here, so that each is ended whatever happens. */
const { freePort, startChild, waitForLine, run: runProcess, stop, stopAll, stopOnSignals } = createProcesses({ results, startTimeoutMs: START_TIMEOUT_MS, env: PEER_ENV });
const started = Date.now();

stopOnSignals('interop');

const tap = createTap();
let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(`interop: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
} finally {
  await stopAll();
  tap.close();
  if (exitCode === 0 && !keep) rmSync(results, { recursive: true, force: true });
  else console.log(`results (gateway configs and logs, server and client output): ${results}`);
}
process.exit(exitCode);

async function main() {
  await tap.listening;
  const servers = new Map();
  await Promise.all(SERVERS.map(async (server) => {
    servers.set(server.name, await startServer(server));
  }));
  for (const server of SERVERS) console.log(`${server.name}: ${servers.get(server.name).url}`);
  console.log(`clients: ${clients.join(', ')}; ${CONCURRENCY} at a time`);

  const outcomes = [];
  const queue = [...clients];
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
    while (queue.length > 0) {
      const client = queue.shift();
      outcomes.push(...await runLane(client, servers));
    }
  }));

  // Every exchange of every combination, for reading after a run (kept on failure or with --keep).
  for (const o of outcomes) if (o.exchanges) writeFileSync(join(results, `exchanges-${o.client}-${o.target.replace(/\s+/g, '-')}.json`), JSON.stringify(o.exchanges, null, 2));
  const problems = report(outcomes);
  for (const problem of problems) console.log(`interop: PROBLEM ${problem}`);
  console.log(`interop: ${problems.length === 0 ? 'OK' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return problems.length === 0 ? 0 : 1;
}

/**
 * One client against every target, one after the other: each server directly, then each gateway
 * set-up (a gateway started for it and stopped after it, so its log is its own).
 */
async function runLane(client, servers) {
  const laneStarted = Date.now();
  const outcomes = [];
  if (budgetLeft() < 30_000) {
    for (const target of [...SERVERS.map((s) => `direct ${s.name}`), ...SETUPS.map((s) => `gateway ${s.label}`)]) outcomes.push({ client, target, status: 'not run', detail: 'run budget spent' });
    return outcomes;
  }
  const deadline = () => Math.min(laneStarted + LANE_TIMEOUT_MS, started + RUN_BUDGET_MS) - Date.now();

  // Directly: the client and the server alone, through a tap.
  const directJobs = SERVERS.map((server) => {
    const route = tap.route(`${client}.direct.${server.name}`, servers.get(server.name).url);
    return {
      job: { id: `direct ${server.name}`, url: route.url, headers: { 'x-api-key': API_KEY }, viaGateway: false, servers: [expectDirect(server)] },
      routes: { client: route.key, upstreams: { [server.name]: route.key } },
      mismatch: DIRECT_MISMATCH[`${client}/${server.name}`],
    };
  });
  outcomes.push(...await drive(client, 'direct', directJobs, deadline()));

  for (const setup of SETUPS) {
    if (deadline() < 10_000) {
      outcomes.push({ client, target: `gateway ${setup.label}`, status: 'not run', detail: 'lane or run budget spent' });
      continue;
    }
    const upstreamRoutes = Object.fromEntries(setup.servers.map((server) => [server.name, tap.route(`${client}.${setup.label}.upstream.${server.name}`, servers.get(server.name).url)]));
    let gateway;
    try {
      gateway = await startGateway(`${client}-${setup.label}`, setup, upstreamRoutes);
    } catch (err) {
      outcomes.push({ client, target: `gateway ${setup.label}`, status: 'fail', detail: `the gateway did not start: ${err.message}` });
      continue;
    }
    const route = tap.route(`${client}.${setup.label}.client`, gateway.url);
    const job = {
      job: { id: `gateway ${setup.label}`, url: route.url, headers: { 'x-api-key': API_KEY }, viaGateway: true, servers: setup.servers.map((server) => expectThrough(server, setup)) },
      routes: { client: route.key, upstreams: Object.fromEntries(Object.entries(upstreamRoutes).map(([name, r]) => [name, r.key])) },
      gateway,
    };
    const [outcome] = await drive(client, setup.label, [job], deadline());
    const alive = gateway.child.exitCode === null && gateway.child.signalCode === null;
    await stop(gateway.child);
    if (!alive) {
      outcome.status = 'fail';
      outcome.detail = `${outcome.detail ?? ''} the gateway exited during the run`.trim();
    }
    outcome.gatewayLog = gateway.child.output.stdout;
    outcomes.push(outcome);
  }
  return outcomes;
}

/** What a client must see of a server directly: all three tools, each answering. */
function expectDirect(server) {
  return { label: server.name, ...server.tools, spellings: [], denied: [], guesses: [], secretText: server.secretText, resource: server.resource, prompt: { name: server.prompt, args: { city: 'Paris' }, text: 'Paris' } };
}

/**
 * What a client must see of a server through a set-up: add and echo under the names the gateway
 * gives them, and the denied tool under none of its names (listed as, prefixed, raw, or as a
 * collision would have named it). `denied`: spellings the gateway itself must refuse (every
 * spelling in a federated set-up, where only listed names reach anything; the tool's own name
 * behind a gateway with one upstream). `guesses`: other spellings, which a gateway with one
 * upstream passes on under its implicit catch-all route (docs/configuration.md, Routing
 * semantics): the upstream must refuse them as unknown, and nothing of the tool may come back.
 */
function expectThrough(server, setup) {
  const federated = setup.servers.length > 1;
  // Tools and prompts are named apart: a collision is between two tools or two prompts.
  const shown = (name, kind = 'tool') => {
    if (!federated) return name;
    if (setup.prefixed) return `${server.prefix}${name}`;
    const offeredBy = setup.servers.filter((s) => (kind === 'tool' ? Object.values(s.tools).includes(name) : s.prompt === name)).length;
    return offeredBy > 1 ? `${server.name}_${name}` : name;
  };
  const secret = server.tools.secret;
  const spellings = [...new Set([shown(secret), secret, `${server.name}_${secret}`, `${server.prefix}${secret}`, `${server.name}_${server.prefix}${secret}`])];
  const denied = federated ? spellings : [secret];
  return {
    label: server.name,
    add: shown(server.tools.add),
    echo: shown(server.tools.echo),
    secret: shown(secret),
    spellings,
    denied,
    guesses: spellings.filter((name) => !denied.includes(name)),
    secretText: server.secretText,
    resource: server.resource,
    prompt: { name: shown(server.prompt, 'prompt'), args: { city: 'Paris' }, text: 'Paris' },
  };
}

/** Runs one client's jobs in one process (clients/drive.mjs) and collects an outcome per job. */
async function drive(client, label, jobs, timeoutMs) {
  const file = join(results, `jobs-${client}-${label}.json`);
  writeFileSync(file, JSON.stringify(jobs.map((j) => j.job), null, 2));
  const run = await runProcess(process.execPath, [join(here, 'clients/drive.mjs'), client, file], { timeoutMs: Math.max(timeoutMs, 5_000), name: `client-${client}-${label}` });
  const byId = new Map();
  for (const line of run.stdout.split('\n')) {
    const match = line.match(/^interop-result (.*)$/);
    if (match) {
      const result = JSON.parse(match[1]);
      byId.set(result.id, result);
    }
  }
  return jobs.map(({ job, routes, mismatch }) => {
    const result = byId.get(job.id);
    const exchanges = { client: tap.records(routes.client), upstreams: Object.fromEntries(Object.entries(routes.upstreams).map(([name, key]) => [name, tap.records(key)])) };
    const revisions = {
      client: revisionOf(exchanges.client),
      upstreams: Object.fromEntries(Object.entries(exchanges.upstreams).map(([name, records]) => [name, revisionOf(records)])),
    };
    if (!result) {
      return { client, target: job.id, via: job.viaGateway, status: run.timedOut ? 'timeout' : 'error', detail: run.timedOut ? `no result within ${Math.round(timeoutMs / 1000)} s` : `no result (exit ${run.code})`, stderr: run.stderr, exchanges, revisions, mismatch };
    }
    const failed = result.checks.filter((c) => !c.ok);
    // Through the gateway, every message it sent must be valid in the revision of its hop.
    const schema = job.viaGateway ? schemaProblems(exchanges) : { problems: [], unchecked: [] };
    const ok = result.ok && schema.problems.length === 0;
    const detail = [result.error ?? failed.map((c) => `${c.name}: ${c.detail}`).join('; '), ...schema.problems.slice(0, 3)].filter(Boolean).join('; ');
    return { client, target: job.id, via: job.viaGateway, status: ok ? 'pass' : 'fail', detail, checks: result.checks, schemaProblems: schema.problems, unchecked: schema.unchecked, ms: result.ms, stderr: run.stderr, exchanges, revisions, mismatch };
  });
}

/** What the gateway sent on each hop of a combination, held to its revision's schema. */
function schemaProblems(exchanges) {
  const problems = [];
  const unchecked = new Set();
  const hops = [['to the client', exchanges.client, 'client'], ...Object.entries(exchanges.upstreams).map(([name, records]) => [`to ${name}`, records, 'upstream'])];
  for (const [label, records, towards] of hops) {
    const found = checkHop(records, towards);
    problems.push(...found.problems.map((p) => `schema, gateway ${label}: ${p}`));
    for (const revision of found.unchecked) unchecked.add(revision);
  }
  return { problems, unchecked: [...unchecked] };
}

/**
 * The revision one side spoke on a route: the MCP-Protocol-Version header of its first tools/call
 * (what it settled on), else of any request, else the protocolVersion an initialize answer gave
 * (a 2025-03-26 client sends no header). With what it tried first when that differs.
 */
function revisionOf(records) {
  const call = records.find((r) => r.rpcMethods.includes('tools/call') && r.version);
  const any = records.find((r) => r.version);
  const initialized = records.find((r) => r.initializeVersion);
  const settled = call?.version ?? initialized?.initializeVersion ?? any?.version;
  const first = records.find((r) => r.version || r.requestedVersion);
  const tried = first?.version ?? first?.requestedVersion;
  if (!settled) return tried ? `${tried}?` : '-';
  return tried && tried !== settled ? `${settled} (tried ${tried})` : settled;
}

/** Prints the table, then what went wrong; returns the problems. */
function report(outcomes) {
  const problems = [];
  const order = (o) => [clients.indexOf(o.client), o.target.startsWith('direct') ? 0 : 1, [...SERVERS.map((s) => s.name), ...SETUPS.map((s) => s.label)].indexOf(o.target.replace(/^\w+ /, ''))];
  const sorted = [...outcomes].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[2] - y[2] || x[1] - y[1];
  });
  const rows = [];
  for (const clientName of clients) {
    for (const setup of SETUPS) {
      const direct = setup.servers.length === 1 ? sorted.find((o) => o.client === clientName && o.target === `direct ${setup.label}`) : undefined;
      const through = sorted.find((o) => o.client === clientName && o.target === `gateway ${setup.label}`);
      const upstreamRevisions = through?.revisions ? Object.entries(through.revisions.upstreams).map(([name, rev]) => (setup.servers.length > 1 ? `${name} ${rev}` : rev)).join(', ') : '';
      rows.push([
        clientName,
        setup.label,
        direct ? (direct.status === 'pass' ? 'pass' : explained(direct) ? `${direct.status} (expected)` : direct.status) : '',
        direct?.revisions?.client ?? '',
        through?.status ?? 'missing',
        through?.revisions?.client ?? '',
        upstreamRevisions,
      ]);
    }
  }
  const heads = ['client', 'server / set-up', 'direct', 'direct revision', 'gateway', 'client ↔ gateway', 'gateway ↔ server'];
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  console.log(`\n${line(heads)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
  for (const row of rows) console.log(line(row));
  console.log('(revision: the MCP-Protocol-Version each side settled on, from the tap\'s records; "tried X": what it asked for first; "X?": asked for, never settled;');
  console.log(` every message the gateway sent is held to its revision's schema: ${CHECKED_REVISIONS.join(', ')})\n`);
  const unchecked = [...new Set(outcomes.flatMap((o) => o.unchecked ?? []))];
  if (unchecked.length > 0) console.log(`interop: no schema here for revision(s) ${unchecked.join(', ')}: messages at them were not checked (add schemas/<revision>.json)`);

  for (const o of sorted) {
    if (o.status === 'pass') continue;
    if (explained(o)) {
      console.log(`interop: ${o.client} → ${o.target}: ${o.status}, as expected (${o.mismatch.reason})`);
      continue;
    }
    problems.push(`${o.client} → ${o.target}: ${o.status}: ${truncate(o.detail ?? '', 400)}`);
    printFailure(o);
  }
  // A combination that works directly must work through the gateway: say so when it does not.
  for (const o of sorted.filter((x) => x.via && x.status !== 'pass')) {
    const direct = sorted.find((x) => x.client === o.client && x.target === `direct ${o.target.replace(/^gateway /, '')}`);
    if (direct?.status === 'pass') console.log(`interop: ${o.client} → ${o.target.replace(/^gateway /, '')} works directly and fails through the gateway: a gateway bug until shown otherwise`);
  }
  return problems;
}

/**
 * Whether a direct failure is one the peers explain (DIRECT_MISMATCH): shown, not counted. The
 * error is in the client's own words or in what the server answered.
 */
function explained(o) {
  if (!o.mismatch || o.via || o.status === 'pass') return false;
  const said = `${o.detail ?? ''} ${(o.exchanges?.client ?? []).map((r) => r.responseBody).join(' ')}`;
  return o.mismatch.shownBy.test(said);
}

/** What was sent and what came back, for a failed combination. */
function printFailure(o) {
  console.log(`\n=== FAILED: ${o.client} → ${o.target} (${o.status})`);
  if (o.detail) console.log(`detail: ${o.detail}`);
  for (const check of o.checks ?? []) if (!check.ok) console.log(`  check failed: ${check.name}: ${check.detail}`);
  for (const problem of o.schemaProblems ?? []) console.log(`  ${problem}`);
  const show = (title, records) => {
    console.log(`--- ${title}: ${records.length} exchange(s)`);
    for (const r of records.slice(-30)) {
      console.log(`> ${r.httpMethod} ${r.path} ${JSON.stringify(r.requestHeaders)} ${truncate(r.requestBody, 700)}`);
      console.log(`< ${r.status ?? r.error} ${r.responseType ?? ''} ${truncate(r.responseBody, 900)}`);
    }
  };
  if (o.exchanges) {
    show(`client ↔ ${o.via ? 'gateway' : 'server'}`, o.exchanges.client);
    if (o.via) for (const [name, records] of Object.entries(o.exchanges.upstreams)) show(`gateway ↔ ${name}`, records);
  }
  if (o.gatewayLog) console.log(`--- gateway log (last lines)\n${o.gatewayLog.trim().split('\n').slice(-15).join('\n')}`);
  if (o.stderr) console.log(`--- client stderr (last lines)\n${o.stderr.trim().split('\n').slice(-15).join('\n')}`);
}

/** A server on a free loopback port; it prints `interop-upstream-listening <port>` on stderr. */
async function startServer(server) {
  const child = startChild(`server-${server.name}`, process.execPath, [join(here, 'servers', server.file)], {
    env: { ...PEER_ENV, PORT: String(await freePort()) },
    // Where a server's own files land (none should), never the repository.
    cwd: results,
  });
  const line = await waitForLine(child, 'stderr', /^interop-upstream-listening (\d+)$/, server.name);
  return { child, url: `http://127.0.0.1:${line[1]}/mcp` };
}

/**
 * The gateway as a user runs it: the CLI and a YAML file. One API key; the policy denies by
 * default, allows the list methods, tools/call of every tool, prompts/get of every prompt and
 * resources/read of the servers' URI schemes by glob, and denies each server's secret tool. Upstreams are reached through the tap.
 */
async function startGateway(label, setup, upstreamRoutes) {
  const port = await freePort();
  const config = join(results, `gateway-${label}.yml`);
  const denied = [...new Set(setup.servers.map((s) => s.tools.secret))];
  writeFileSync(config, [
    'server:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    '  path: /mcp',
    'auth:',
    '  mode: apiKey',
    '  apiKeys:',
    '    - id: interop',
    `      key: "${API_KEY}"`,
    '      tenant: interop',
    '      client: peers',
    'policy:',
    '  default: deny',
    '  rules:',
    '    - description: "peers may list everything and call any tool"',
    '      subject: { tenant: interop }',
    '      allow:',
    '        methods: ["tools/list", "tools/call", "resources/list", "resources/templates/list", "resources/read", "prompts/list", "prompts/get", "logging/setLevel"]',
    '        tools: ["*"]',
    '        resources: ["interop://**", "demo://**"]',
    '        prompts: ["*"]',
    '    - description: "but no one calls a secret tool"',
    '      deny:',
    `        tools: [${denied.map((t) => JSON.stringify(t)).join(', ')}]`,
    'upstreams:',
    ...setup.servers.flatMap((server) => [
      `  - name: ${server.name}`,
      `    url: "${upstreamRoutes[server.name].url}"`,
      '    timeoutMs: 20000',
      ...(setup.prefixed ? [`    prefix: "${server.prefix}"`] : []),
    ]),
    'audit:',
    '  enabled: true',
    '  environments: ["*"]',
    'logging:',
    '  level: info',
    '',
  ].join('\n'));
  const child = startChild(`gateway-${label}`, process.env.GATEWAY_NODE || 'node', [gatewayBin, 'run', '-c', config], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_GATEWAY_ENV: 'interop' },
    cwd: repo,
  });
  await waitForLine(child, 'stdout', /"event":"started"/, `gateway ${label}`);
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}

function budgetLeft() {
  return started + RUN_BUDGET_MS - Date.now();
}

function truncate(text, max) {
  const flat = String(text).replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function fail(message) {
  console.error(`interop: ${message}`);
  process.exit(1);
}
