/**
 * A hostile-input campaign against a running gateway in front of one real SDK upstream: more than
 * 10,000 generated requests (generator.ts), each classified beforehand with the answer the
 * documented rules call for (model.ts), sent 16 at a time, every answer compared with the model.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayLogger } from '../../../src/index.js';
import { INITIALIZE_PARAMS, post, startGateway, type RunningGateway } from '../../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../../support/upstream.js';
import { generateCampaign, SEED, type Sessions } from './generator.js';
import {
  CATEGORIES,
  describeExpected,
  describeInput,
  known,
  metBy,
  options,
  problemWith,
  textResult,
  type Case,
  type Category,
  type Key,
  type Observed,
} from './model.js';

// Taken before anything runs, so pollution by any request shows up as a new key.
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

const IN_FLIGHT = 16;
const CLIENT_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Sending

async function viaPool(pool: Pool, c: Case): Promise<Observed> {
  try {
    const response = await pool.request({
      path: c.path,
      method: c.method,
      headers: c.headers.flat(),
      body: c.chunks ? Readable.from(c.chunks) : (c.body ?? null),
      // A hang becomes a failure after a few seconds instead of stalling the file.
      headersTimeout: CLIENT_TIMEOUT_MS,
      bodyTimeout: CLIENT_TIMEOUT_MS,
    });
    const text = await response.body.text();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    return { status: response.statusCode, headers, text };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { status: 0, headers: {}, text: '', failure: `no answer: ${String(code)} ${(error as Error).message}` };
  }
}

/** Parses the first complete HTTP response in `buffer` (interim 1xx skipped); undefined if incomplete. */
function parseHttp(buffer: Buffer, closed: boolean): Observed | undefined {
  let text = buffer.toString('latin1');
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const rest = text.slice(end + 4);
    if (status >= 100 && status < 200) {
      text = rest;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body: string;
    const length = headers['content-length'];
    if (length !== undefined) {
      if (rest.length < Number(length)) return closed ? { status, headers, text: rest, failure: 'body cut short' } : undefined;
      body = rest.slice(0, Number(length));
    } else if (headers['transfer-encoding'] === 'chunked') {
      if (!rest.includes('0\r\n\r\n') && !closed) return undefined;
      body = '';
      for (let at = 0; ; ) {
        const lineEnd = rest.indexOf('\r\n', at);
        const size = lineEnd === -1 ? 0 : parseInt(rest.slice(at, lineEnd), 16);
        if (!size) break;
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
      }
    } else {
      // No framing: the body runs to the close (node's own error answers are empty and close).
      if (!closed) return undefined;
      body = rest;
    }
    return { status, headers, text: Buffer.from(body, 'latin1').toString('utf8') };
  }
}

function viaSocket(port: number, c: Case): Promise<Observed> {
  const raw = c.raw!;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let settled = false;
    const settle = (observed: Observed): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(observed);
    };
    const timer = setTimeout(() => settle({ status: 0, headers: {}, text: '', failure: `no answer within ${CLIENT_TIMEOUT_MS} ms` }), CLIENT_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseHttp(buffer, false);
      if (parsed) settle(parsed);
    });
    // A reset after the answer is normal for refused requests; the close handler decides.
    socket.on('error', () => undefined);
    socket.on('close', () => settle(parseHttp(buffer, true) ?? { status: 0, headers: {}, text: '', failure: 'connection closed without an answer' }));
    socket.write(raw.bytes);
    if (raw.halfClose) socket.end();
  });
}

interface Failure {
  category: Category;
  label: string;
  input: string;
  expected: string;
  observed: string;
  problem: string;
}

function observedText(o: Observed): string {
  return o.failure ?? `${o.status} ${o.headers['content-type'] ?? ''} ${o.text.slice(0, 200)}`.trim();
}

// ---------------------------------------------------------------------------------------------
// The campaign

let upstream: UpstreamFixture;
let gw: RunningGateway;
let pool: Pool;
const logged: { level: 'error' | 'warn'; message: string; meta: string }[] = [];
const logger: GatewayLogger = {
  error: (message, meta) => logged.push({ level: 'error', message, meta: JSON.stringify(meta ?? {}).slice(0, 400) }),
  warn: (message, meta) => logged.push({ level: 'warn', message, meta: JSON.stringify(meta ?? {}).slice(0, 400) }),
  info: () => undefined,
  debug: () => undefined,
};

async function openRawSession(key: Key, version: string): Promise<string> {
  const answer = await post(gw.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { ...INITIALIZE_PARAMS, protocolVersion: version } }, { 'x-api-key': key, accept: 'application/json' });
  const id = answer.headers.get('mcp-session-id');
  if (answer.status !== 200 || !id) throw new Error(`initialize failed: ${answer.status} ${answer.text}`);
  known.set(id, { owner: key, version });
  return id;
}

const stats = { cases: 0, followUps: 0, ms: 0, baseSessions: 0, initialized: 0 };
let campaignLabels: string[] = [];

/** A digest of every byte a campaign would send. */
function digest(cases: readonly Case[]): string {
  const hash = createHash('sha256');
  for (const c of cases) {
    hash.update(`${c.category}\0${c.label}\0${c.method}\0${c.path}\0${c.headers.flat().join('\0')}\0`);
    for (const part of c.raw ? [c.raw.bytes] : (c.chunks ?? (c.body ? [c.body] : []))) hash.update(part);
  }
  return hash.digest('hex');
}
const failures: Failure[] = [];
const countByCategory = new Map<Category, number>();

async function runCampaign(): Promise<void> {
  upstream = await startUpstream({ name: 'up', jsonResponse: true });
  gw = await startGateway(options(upstream.url), { logger });
  const sessions: Sessions = { s25: await openRawSession('k1', '2025-03-26'), s06: await openRawSession('k1', '2025-06-18'), k2: await openRawSession('k2', '2025-06-18') };
  // Each session's upstream session opens now, so no answer depends on whether it is open yet.
  for (const [key, session] of [['k1', sessions.s25], ['k1', sessions.s06], ['k2', sessions.k2]] as const) {
    const warmUp = await post(gw.url, { jsonrpc: '2.0', id: 'warm-up', method: 'tools/call', params: { name: 'up.add', arguments: { a: 1, b: 1 } } }, { 'x-api-key': key, 'mcp-session-id': session, accept: 'application/json' });
    if (warmUp.status !== 200) throw new Error(`warm-up failed: ${warmUp.status} ${warmUp.text}`);
  }
  stats.baseSessions = gw.gateway.sessionCount;
  const cases = generateCampaign(sessions);
  stats.cases = cases.length;
  campaignLabels = cases.map((c) => c.label);
  for (const c of cases) countByCategory.set(c.category, (countByCategory.get(c.category) ?? 0) + 1);

  pool = new Pool(gw.origin, { connections: IN_FLIGHT, pipelining: 1 });
  const port = Number(new URL(gw.origin).port);
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const observed = c.raw ? await viaSocket(port, c) : await viaPool(pool, c);
      const problem = problemWith(c, observed);
      if (problem) {
        failures.push({ category: c.category, label: c.label, input: describeInput(c), expected: describeExpected(c.expect), observed: observedText(observed), problem });
        continue;
      }
      const met = metBy(c, observed);
      if (met?.kind === 'init') stats.initialized++;
      if (met?.kind === 'init' && met.followUp) {
        // The session just opened must work: a tool call through it reaches the upstream.
        const follow: Case = {
          category: c.category,
          label: `${c.label} (the tools/call after it)`,
          method: 'POST',
          path: '/mcp',
          headers: [['content-type', 'application/json'], ['accept', 'application/json'], ['x-api-key', met.key], ['mcp-session-id', observed.headers['mcp-session-id']!]],
          body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'follow-up', method: 'tools/call', params: { name: 'up.add', arguments: { a: 2, b: 3 } } })),
          expect: { kind: 'result', id: 'follow-up', what: 'up.add = 5', check: textResult('5') },
        };
        stats.followUps++;
        const answer = await viaPool(pool, follow);
        const followProblem = problemWith(follow, answer);
        if (followProblem) failures.push({ category: c.category, label: follow.label, input: describeInput(c), expected: describeExpected(follow.expect), observed: observedText(answer), problem: followProblem });
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  stats.ms = performance.now() - started;

  const lines = [`hostile-input campaign: ${stats.cases} requests (+${stats.followUps} follow-ups) in ${(stats.ms / 1000).toFixed(1)} s, ${IN_FLIGHT} in flight, seed ${SEED.toString(16)}`];
  for (const category of CATEGORIES) lines.push(`  ${category.padEnd(26)} ${String(countByCategory.get(category) ?? 0).padStart(6)} cases ${String(failures.filter((f) => f.category === category).length).padStart(6)} failed`);
  const kinds = new Map<string, Failure[]>();
  for (const failure of failures) {
    // Grouped by kind of input and of problem, ids and numbers aside.
    const key = `${failure.category} | ${failure.label} | ${failure.problem.replace(/"[^"]*"/g, '"…"').replace(/-?\d+(\.\d+)?/g, 'N').slice(0, 70)}`;
    kinds.set(key, [...(kinds.get(key) ?? []), failure]);
  }
  for (const [key, list] of kinds) {
    const first = list[0]!;
    lines.push(`FAIL ×${list.length} ${key}\n    input:    ${first.input}\n    expected: ${first.expected}\n    observed: ${first.observed}\n    problem:  ${first.problem}`);
  }
  const errors = logged.filter((entry) => entry.level === 'error');
  if (errors.length > 0) lines.push(`gateway logged ${errors.length} error(s), first: ${errors[0]!.message} ${errors[0]!.meta}`);
  console.log(lines.join('\n'));
}

describe('a campaign of hostile requests', () => {
  // About 20 s on a quiet machine; the bound is for a hang.
  beforeAll(runCampaign, 240_000);

  afterAll(async () => {
    await pool?.close();
    await gw?.close();
    await upstream?.close();
  });

  it('sends at least 10,000 generated requests, deterministically', () => {
    expect(stats.cases).toBeGreaterThanOrEqual(10_000);
    // Same seed, same campaign: the same bytes in the same order (session ids aside, they are the server's).
    const sessions = { s25: 'session-a', s06: 'session-b', k2: 'session-c' };
    const once = generateCampaign(sessions);
    expect(digest(generateCampaign(sessions))).toBe(digest(once));
    expect(once.map((c) => c.label)).toEqual(campaignLabels);
  });

  it.each(CATEGORIES)('%s: every answer is the one the rules call for', (category) => {
    expect(countByCategory.get(category) ?? 0).toBeGreaterThan(0);
    const mine = failures.filter((f) => f.category === category);
    const shown = mine.slice(0, 5).map((f) => `${f.label}: ${f.problem}\n  input:    ${f.input}\n  expected: ${f.expected}\n  observed: ${f.observed}`);
    expect(shown, `${mine.length} of ${countByCategory.get(category) ?? 0} cases failed`).toEqual([]);
  });

  it('pollutes no prototype', () => {
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
    expect(Object.getPrototypeOf(Object.prototype)).toBeNull();
  });

  it('logs no gateway bug (logger.error) while refusing it all', () => {
    expect(logged.filter((entry) => entry.level === 'error').map((entry) => `${entry.message} ${entry.meta}`).slice(0, 3)).toEqual([]);
  });

  it('still serves a valid session afterwards and holds no sessions from refused initializes', async () => {
    const init = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS }, { 'x-api-key': 'k1', accept: 'application/json' });
    expect(init.status).toBe(200);
    const session = init.headers.get('mcp-session-id')!;
    const call = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'up.add', arguments: { a: 40, b: 2 } } }, { 'x-api-key': 'k1', 'mcp-session-id': session, accept: 'application/json' });
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: '42' }] } });
    // Setup's sessions, one per initialize answered with a session, and the one just opened: none from refusals.
    expect(gw.gateway.sessionCount).toBeLessThanOrEqual(stats.baseSessions + stats.initialized + 1);
  });
});
