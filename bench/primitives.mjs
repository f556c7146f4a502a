// The primitives the gateway takes from libraries or built-ins, each against the alternative it
// was weighed against, side by side in one process (alternating, best round kept):
//   - the SHA-256 of an API key: core's (@noble/hashes, portable) against node:crypto's (what the
//     node:http data plane injects for the key presented with each request);
//   - streaming UTF-8: node's StringDecoder (used) against TextDecoder with stream: true;
//   - SSE: the gateway's SseParser (kept) against eventsource-parser (its differential test);
//   - a request's cancellation: the gateway's Departure (kept) against an AbortController, as a
//     request uses it: made, one stop registered and unregistered (most requests end normally),
//     and once in a while the client leaving.
// Each kind is timed once per new decoder or parser with one small event (as an answer to one
// call arrives) and once over a long stream of multi-byte text in 1 kB chunks.
// Run: pnpm bench:primitives (after pnpm build). BENCH_ITERATIONS scales the work (default 100000).
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';
import { Sha256 } from '../packages/core/dist/internal.js';
// Internal to the data plane (not exported): the parser the gateway runs on an upstream's events.
import { SseParser } from '../packages/node-http/dist/wire/sse.js';
import { Departure } from '../packages/node-http/dist/wire/departure.js';

// eventsource-parser is a development dependency of the node-http package (its tests use it).
const require = createRequire(new URL('../packages/node-http/package.json', import.meta.url));
const { createParser } = await import(require.resolve('eventsource-parser'));

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 100_000);
const ROUNDS = 7;
let sink = 0;

/** ns per call of each function, best of the rounds, the order reversed every other round. */
function race(fns, n) {
  const best = Object.fromEntries(Object.keys(fns).map((name) => [name, Infinity]));
  for (let round = 0; round < ROUNDS; round++) {
    const entries = Object.entries(fns);
    for (const [name, fn] of round % 2 ? entries.reverse() : entries) {
      const start = process.hrtime.bigint();
      fn(n);
      best[name] = Math.min(best[name], Number(process.hrtime.bigint() - start) / n);
    }
  }
  return best;
}

const rows = [];
function report(what, best) {
  const [first, second] = Object.keys(best);
  rows.push(`| ${what} | ${first} | ${best[first].toFixed(0)} | ${second} | ${best[second].toFixed(0)} | ${(best[second] / best[first]).toFixed(2)} |`);
}

const keys = Array.from({ length: 64 }, (_, i) => `bench-key-${i}-0123456789abcdef0123456789abcdef`);
const hasher = new Sha256();
const words = new Uint32Array(8);
report('SHA-256 of a 45-byte key', race({
  'node:crypto': (n) => {
    for (let i = 0; i < n; i++) {
      const digest = hash('sha256', keys[i & 63], 'buffer');
      for (let w = 0; w < 8; w++) words[w] = digest.readUInt32BE(w * 4);
      sink ^= words[0];
    }
  },
  '@noble/hashes (core)': (n) => { for (let i = 0; i < n; i++) sink ^= hasher.words(keys[i & 63])[0]; },
}, ITERATIONS));

const result = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'x'.repeat(200) }] } });
const oneEvent = Buffer.from(`event: message\nid: 1\ndata: ${result}\n\n`);
const longBytes = Buffer.from(Array.from({ length: 200 }, (_, i) => `id: ${i}\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: i, message: `pas ${i} — éèà ✓ 🔑`.repeat(5) } })}\n\n`).join(''));
const chunks = [];
for (let at = 0; at < longBytes.length; at += 1000) chunks.push(longBytes.subarray(at, at + 1000));
const streams = Math.max(10, Math.round(ITERATIONS / 100));

report('UTF-8: new decoder, one small event', race({
  StringDecoder: (n) => { for (let i = 0; i < n; i++) sink += new StringDecoder('utf8').write(oneEvent).length; },
  'TextDecoder (stream)': (n) => { for (let i = 0; i < n; i++) sink += new TextDecoder().decode(oneEvent, { stream: true }).length; },
}, ITERATIONS));
report('UTF-8: 157 kB stream in 1 kB chunks', race({
  StringDecoder: (n) => { for (let i = 0; i < n; i++) { const d = new StringDecoder('utf8'); for (const c of chunks) sink += d.write(c).length; } },
  'TextDecoder (stream)': (n) => { for (let i = 0; i < n; i++) { const d = new TextDecoder(); for (const c of chunks) sink += d.decode(c, { stream: true }).length; } },
}, streams));

const onEvent = (event) => { sink += event.data.length; };
report('SSE: new parser, one small event', race({
  SseParser: (n) => { for (let i = 0; i < n; i++) new SseParser(onEvent).feed(oneEvent); },
  'eventsource-parser': (n) => { for (let i = 0; i < n; i++) createParser({ onEvent }).feed(new StringDecoder('utf8').write(oneEvent)); },
}, ITERATIONS));
report('SSE: 157 kB stream in 1 kB chunks', race({
  SseParser: (n) => { for (let i = 0; i < n; i++) { const p = new SseParser(onEvent); for (const c of chunks) p.feed(c); } },
  'eventsource-parser': (n) => { for (let i = 0; i < n; i++) { const d = new StringDecoder('utf8'); const p = createParser({ onEvent }); for (const c of chunks) p.feed(d.write(c)); } },
}, streams));

const stop = () => { sink++; };
report('cancellation: one request (16th leaves)', race({
  Departure: (n) => {
    for (let i = 0; i < n; i++) {
      const departure = new Departure();
      const cancel = departure.on(stop);
      if ((i & 15) === 0) departure.leave();
      else cancel();
    }
  },
  AbortController: (n) => {
    for (let i = 0; i < n; i++) {
      const controller = new AbortController();
      controller.signal.addEventListener('abort', stop, { once: true });
      if ((i & 15) === 0) controller.abort();
      else controller.signal.removeEventListener('abort', stop);
    }
  },
}, ITERATIONS));

console.log('| what | A | ns | B | ns | B/A |');
console.log('| --- | --- | ---: | --- | ---: | ---: |');
for (const row of rows) console.log(row);
if (sink === 0.5) console.log(sink);
