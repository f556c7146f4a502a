import { describe, expect, it } from 'vitest';
import { routesCommand } from '../../src/commands/routes.js';
import { captureIo, tempDir, writeFile } from '../support/cli.js';

const dir = tempDir();

// The routing example of the existing gateway's README, with a credential in one URL.
const THREE_UPSTREAMS = `
upstreams:
  - name: mcp-math
    type: http
    url: "http://10.0.0.11:9000/mcp"
  - name: mcp-kb
    type: http
    url: "http://kb-user:kb-pass@10.0.0.12:9000/mcp?token=\${KB_TOKEN}&region=eu"
  - name: mcp-reports
    type: http
    url: "http://10.0.0.13:9000/mcp"

routing:
  - match: { method: "tools/call", tool: "math.*" }
    upstream: "mcp-math"
  - match: { method: "tools/call", tool: "kb.*" }
    upstream: "mcp-kb"
  - match: { method: "tools/call", tool: "reports.*" }
    upstream: "mcp-reports"
  - match: { method: "*" }
    upstream: "mcp-reports"
`;

async function routes(yaml: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  writeFile(dir, 'config.yml', yaml);
  const capture = captureIo({ KB_TOKEN: 'kb-secret-token' }, dir);
  const code = await routesCommand(['-c', 'config.yml', ...args], capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

describe('routes', () => {
  it('prints the table in order, with upstream URLs whose credentials are hidden', async () => {
    const { code, stdout } = await routes(THREE_UPSTREAMS);
    expect(code).toBe(0);
    expect(stdout).toContain('config.yml: 4 routing rules, first match wins');
    const rows = stdout.split('\n').filter((line) => /^\s+\d+\s/.test(line));
    expect(rows).toEqual([
      '  1  method "tools/call", tool "math.*"     mcp-math     http://10.0.0.11:9000/mcp',
      '  2  method "tools/call", tool "kb.*"       mcp-kb       http://***@10.0.0.12:9000/mcp?token=***&region=eu',
      '  3  method "tools/call", tool "reports.*"  mcp-reports  http://10.0.0.13:9000/mcp',
      '  4  method "*"                             mcp-reports  http://10.0.0.13:9000/mcp',
    ]);
    expect(stdout).not.toContain('kb-pass');
    expect(stdout).not.toContain('kb-secret-token');
    // Rule 4 catches everything, so no NO_ROUTE note.
    expect(stdout).not.toContain('NO_ROUTE');
    expect(stdout).toContain('Never routed (the gateway handles them): initialize, ping');
  });

  it('notes the implicit catch-all when there are no rules and one upstream', async () => {
    const { code, stdout } = await routes('upstreams:\n  - name: local\n    url: http://127.0.0.1:9000/mcp\n');
    expect(code).toBe(0);
    expect(stdout).toContain('no routing rules and one upstream, so the implicit catch-all sends everything there');
    expect(stdout).toMatch(/^ {2}1 +method "\*" +local +http:\/\/127\.0\.0\.1:9000\/mcp +\(implicit catch-all\)$/m);
  });

  it('says what happens to unmatched messages, and to rules that are never reached', async () => {
    const yaml = `
upstreams:
  - { name: a, url: "http://127.0.0.1:9001/mcp" }
  - { name: b, url: "http://127.0.0.1:9002/mcp" }
routing:
  - match: { tool: "a.*" }
    upstream: a
`;
    const { stdout } = await routes(yaml);
    expect(stdout).toContain('A message no rule matches goes by the catalog: a tool, prompt or resource to the upstream that listed it');
    expect(stdout).toContain('Note: upstream "b" is declared but no routing rule sends anything to it: it is reached only by the names it lists and by the lists.');
    const shadowed = await routes(`${yaml}  - match: { method: "*" }\n    upstream: a\n  - match: { tool: "b.*" }\n    upstream: b\n`);
    expect(shadowed.stdout).toContain('Note: routing rules after rule 2 are never reached: rule 2 matches every message.');
  });

  it('--explain names the rule and upstream a message hits', async () => {
    const { code, stdout } = await routes(THREE_UPSTREAMS, '--explain', '{"method":"tools/call","params":{"name":"kb.search"}}');
    expect(code).toBe(0);
    expect(stdout).toBe('tools/call (tool "kb.search"): rule 2 (method "tools/call", tool "kb.*") → upstream mcp-kb (http://***@10.0.0.12:9000/mcp?token=***&region=eu)\n');
    const fallthrough = await routes(THREE_UPSTREAMS, '-e', '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a"}}');
    expect(fallthrough.stdout).toContain('rule 4 (method "*") → upstream mcp-reports');
  });

  it('--explain says when a message is not routed, and why', async () => {
    const yaml = 'upstreams:\n  - { name: math, url: "http://127.0.0.1:9001/mcp" }\nrouting:\n  - match: { tool: "math.*" }\n    upstream: math\n';
    const unrouted = await routes(yaml, '--explain', '{"method":"tools/call","params":{"name":"kb.search"}}');
    // What the running gateway does: the catalog decides a name no rule takes.
    expect(unrouted.code).toBe(0);
    expect(unrouted.stdout).toBe('tools/call (tool "kb.search"): no rule matches; it goes by the catalog, to the upstream that lists tool "kb.search" (as the client sees it), or 400 NO_ROUTE (-32601) when none does\n');
    const custom = await routes(yaml, '--explain', '{"method":"custom/thing"}');
    expect(custom.code).toBe(1);
    expect(custom.stdout).toBe('custom/thing: no rule matches and it names no tool, prompt or resource; the gateway answers 400 NO_ROUTE (-32601 Method not found: no upstream serves custom/thing)\n');
    const noName = await routes(yaml, '--explain', '{"method":"tools/call"}');
    expect(noName.code).toBe(1);
    expect(noName.stdout).toContain('the gateway answers 400 INVALID_PARAMS (-32602) before routing');
    const protocol = await routes(yaml, '--explain', '{"method":"initialize"}');
    expect(protocol.code).toBe(0);
    expect(protocol.stdout).toBe('initialize: a protocol method, handled by the gateway itself; routing does not apply\n');
  });

  it('describes a federated set-up without rules as the gateway runs it: by the catalog, lists from every upstream', async () => {
    const yaml = 'upstreams:\n  - { name: a, url: "http://127.0.0.1:9001/mcp" }\n  - { name: b, url: "http://127.0.0.1:9002/mcp" }\n';
    const table = await routes(yaml);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('config.yml: no routing rules and 2 upstreams: federated, every tool, prompt and resource goes to the upstream that listed it');
    expect(table.stdout).toContain('Answered by the gateway from every upstream: tools/list, prompts/list, resources/list, resources/templates/list, logging/setLevel.');
    expect(table.stdout).not.toContain('Note:');
    const call = await routes(yaml, '--explain', '{"method":"tools/call","params":{"name":"a_search"}}');
    expect(call.code).toBe(0);
    expect(call.stdout).toContain('it goes by the catalog, to the upstream that lists tool "a_search"');
    const read = await routes(yaml, '--explain', '{"method":"resources/read","params":{"uri":"file:///x"}}');
    expect(read.stdout).toContain('to the upstream that lists resource "file:///x"');
    for (const method of ['tools/list', 'resources/templates/list', 'logging/setLevel']) {
      const list = await routes(yaml, '--explain', JSON.stringify({ method }));
      expect(list.code).toBe(0);
      expect(list.stdout).toBe(`${method}: answered by the gateway from every upstream that offers it (each item kept where its own call is routed and allowed); routing does not apply\n`);
    }
    // A catch-all rule does not take the lists from the others.
    const routed = await routes(THREE_UPSTREAMS, '--explain', '{"method":"tools/list"}');
    expect(routed.stdout).toContain('answered by the gateway from every upstream');
  });

  it('--explain with something that is not a message is a usage error', async () => {
    writeFile(dir, 'config.yml', THREE_UPSTREAMS);
    const capture = captureIo({}, dir);
    await expect(routesCommand(['-c', 'config.yml', '--explain', '{nope'], capture.io)).rejects.toThrow(/--explain: not JSON/);
    await expect(routesCommand(['-c', 'config.yml', '--explain', '[1]'], capture.io)).rejects.toThrow(/one JSON-RPC message/);
  });

  it('an invalid configuration is reported like validate does', async () => {
    const { code, stderr } = await routes('upstreams:\n  - name: a\n    url: http://127.0.0.1:9000/mcp\nrouting:\n  - match: { method: "*" }\n    upstream: b\n');
    expect(code).toBe(1);
    expect(stderr).toContain('config.yml:6:15 routing[0].upstream: upstream "b" is not declared (declared: "a") (ERR_GW_UNKNOWN_UPSTREAM)');
  });
});
