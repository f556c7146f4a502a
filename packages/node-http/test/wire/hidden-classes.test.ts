import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What the data plane builds for every request must reuse one hidden class: on Node 20 a new
// class per request costs time where it is built and a major GC later (see extend in @gw/core/internal).
// V8 tells whether two objects share a class only with --allow-natives-syntax, so the check runs
// in a child process over the built modules (the test command builds first).
const dist = (pkg: string, file: string) => fileURLToPath(new URL(`../../../${pkg}/dist/${file}`, import.meta.url));

const SCRIPT = `
const { extend, deny } = await import(${JSON.stringify(dist('core', 'internal.js'))});
const { sseHead } = await import(${JSON.stringify(dist('node-http', 'wire/sse.js'))});
const builders = {
  sseHead: (i) => { const head = sseHead({ 'mcp-session-id': 'session-' + i }); head['content-length'] = String(i); return head; },
  jsonHead: (i) => extend({ 'mcp-session-id': 'session-' + i }, { 'content-type': 'application/json', 'content-length': i }),
  denialWithId: (i) => extend(deny('INVALID_REQUEST', 'bad ' + i), { id: i }),
  messageWithParams: (i) => extend(JSON.parse('{"jsonrpc":"2.0","id":' + i + ',"method":"ping"}'), { params: { n: i } }),
};
const shared = {};
for (const [name, build] of Object.entries(builders)) {
  const first = build(0);
  let same = 0;
  for (let i = 1; i <= 200; i++) if (%HaveSameMap(first, build(i))) same++;
  shared[name] = same;
}
process.stdout.write(JSON.stringify(shared));
`;

describe('objects built per request', () => {
  it('share one hidden class from one request to the next', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ sseHead: 200, jsonHead: 200, denialWithId: 200, messageWithParams: 200 });
  });
});
