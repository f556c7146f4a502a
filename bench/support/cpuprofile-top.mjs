// Summarizes a V8 .cpuprofile (from node --cpu-prof; gateway-throughput.mjs writes them when
// BENCH_PROFILE_DIR is set): self time per function, and total (inclusive) time per function of
// the gateway's own packages, so a regression can be pinned to a file and a function.
// Usage: node bench/support/cpuprofile-top.mjs <file.cpuprofile> [rows=25]
import { readFileSync } from 'node:fs';

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpuprofile-top.mjs <file.cpuprofile> [rows]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Sample counts per node, weighted by the time to the next sample.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const label = (frame) => {
  const url = frame.url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, '$1/').replace(/^node:/, 'node:');
  return `${frame.functionName || '(anonymous)'} ${url ? `${url}:${frame.lineNumber + 1}` : ''}`.trim();
};

const self = new Map();
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const frame = nodes.get(id).callFrame;
  self.set(label(frame), (self.get(label(frame)) ?? 0) + us);
  // Inclusive time of the gateway's own functions: count each function once per sample stack.
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const f = nodes.get(at).callFrame;
    if (!/packages\/(core|node-http)\//.test(f.url)) continue;
    const name = label(f);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
}

// Idle is the event loop waiting; everything else (GC and native code included) is work.
const busyUs = [...selfUs].reduce((sum, [id, us]) => (nodes.get(id).callFrame.functionName === '(idle)' ? sum : sum + us), 0);
const pct = (us) => `${((us / busyUs) * 100).toFixed(1).padStart(5)}%`;
console.log(`${file}\nsampled ${(totalUs / 1e6).toFixed(1)} s, busy (not idle) ${(busyUs / 1e6).toFixed(1)} s; percentages are of busy time\n`);
console.log('self time:');
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
  if (name.startsWith('(idle)')) continue;
  console.log(`  ${pct(us)}  ${name}`);
}
if (inclusive.size > 0) {
  console.log('\ntotal time (self + callees) of functions in packages/core and packages/node-http:');
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`  ${pct(us)}  ${name}`);
}
