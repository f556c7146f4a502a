// Decision cost of @gw/core: one check() per message, small configuration versus a large one
// (10,000 API keys, 1,000 policy rules, 1,000 routing rules). The gateway's promise is that the
// per-message cost does not grow with the number of keys and grows at most with the rules of
// one subject, so the ratio should stay near 1. Run: pnpm bench:decision (after pnpm build).
import { compileGateway } from '../packages/core/dist/index.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const ROUNDS = 5;

function options(keys, rules) {
  const apiKeys = Array.from({ length: keys }, (_, i) => ({ id: `k${i}`, key: `key-${i}`, tenant: `t${i % 1000}`, client: `c${i}` }));
  const policyRules = Array.from({ length: rules }, (_, i) => ({
    subject: { tenant: `t${i}` },
    allow: { methods: ['tools/call', 'tools/list'], tools: [`family${i}.*`, 'math.*'] },
  }));
  const routing = Array.from({ length: rules - 1 }, (_, i) => ({ match: { tool: `family${i}.*` }, upstream: 'a' }));
  routing.push({ match: { method: '*' }, upstream: 'b' });
  return {
    auth: { apiKeys },
    rateLimit: { defaultRpm: 1_000_000_000 },
    policy: { rules: policyRules },
    upstreams: [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }, { name: 'b', url: 'http://127.0.0.1:2/mcp' }],
    routing,
  };
}

async function measure(gw, headers, messageFor) {
  const first = await gw.check({ headers, message: messageFor(0) });
  if (!first.ok) throw new Error(`benchmark message was denied: ${JSON.stringify(first)}`);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await gw.check({ headers, message: messageFor(i) });
  return Number(process.hrtime.bigint() - start) / ITERATIONS;
}

const toolCall = (name) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: { a: 1, b: 2 } } });
const sameTool = toolCall('math.add');
const same = () => sameTool;
// A new tool name every call: the router's memo never hits, so this is the full scan of 1,000 routes.
const fresh = (i) => toolCall(`math.f${i}`);

const small = compileGateway(options(1, 1));
const compileStart = process.hrtime.bigint();
const large = compileGateway(options(10_000, 1_000));
const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;

// Alternate the two so drift on a shared machine hits both alike; keep each one's best round.
let bestSmall = Infinity;
let bestLarge = Infinity;
let bestMiss = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  bestSmall = Math.min(bestSmall, await measure(small, { authorization: 'Bearer key-0' }, same));
  bestLarge = Math.min(bestLarge, await measure(large, { authorization: 'Bearer key-7777' }, same));
  bestMiss = Math.min(bestMiss, await measure(large, { authorization: 'Bearer key-7777' }, fresh));
}

console.log('| configuration | ns per check() | ratio to 1 key, 1 rule |');
console.log('| --- | ---: | ---: |');
console.log(`| 1 key, 1 rule | ${bestSmall.toFixed(0)} | 1.00 |`);
console.log(`| 10,000 keys, 1,000 rules, 1,000 routes | ${bestLarge.toFixed(0)} | ${(bestLarge / bestSmall).toFixed(2)} |`);
console.log(`| same, a new tool name every call (route memo misses) | ${bestMiss.toFixed(0)} | ${(bestMiss / bestSmall).toFixed(2)} |`);
console.log(`\ntarget: large/small <= 1.2. The large table's catch-all is route 1,000, so a memo miss scans them all.`);
console.log(`compiling the large configuration: ${compileMs.toFixed(0)} ms`);
