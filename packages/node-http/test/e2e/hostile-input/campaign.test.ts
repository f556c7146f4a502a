/**
 * A hostile-input campaign against a running gateway in front of one real SDK upstream: more than
 * 10,000 generated requests (a seeded PRNG, so every run sends the same inputs), each classified
 * beforehand with the answer the documented rules call for, then slow clients against the CLI's
 * node:http timeouts.
 *
 * Expectations come from docs/errors.md and docs/data-plane.md (plus the MCP transport rules and
 * node's documented header handling), modelled here independently of the gateway's code, so a
 * wrong code, status or id is a failure rather than "some error".
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { GATEWAY_ERRORS, type GatewayErrorName, type GatewayOptions, type JsonRpcId } from '@gw/core';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../../src/gateway-server.js';
import { createGateway, type Gateway, type GatewayLogger } from '../../../src/index.js';
import { Rng } from '../../support/rng.js';
import { INITIALIZE_PARAMS, post, startGateway, type RunningGateway } from '../../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../../support/upstream.js';

// Taken before anything runs, so pollution by any request shows up as a new key.
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

const SEED = 0x5eed_c0de;
const IN_FLIGHT = 16;
const CLIENT_TIMEOUT_MS = 5_000;
const LIMIT = 64 * 1024;
const BOTH = 'application/json, text/event-stream';
const ALLOWED_ORIGIN = 'http://app.example';
const VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];
const DEEP = 10_000;

type Key = 'k1' | 'k2';
type Pair = readonly [string, string];

const UNICODE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x3ff], [0x590, 0x6ff], [0x4e00, 0x4fff], [0x1f300, 0x1f6ff],
  [0x200b, 0x200f], [0x2028, 0x2029], [0x202a, 0x202e], [0xfe00, 0xfe0f], [0x0, 0x1f],
  // Lone surrogates: JSON.stringify escapes them, so they reach the gateway as \udXXX escapes.
  [0xd800, 0xdfff], [0xfff0, 0xffff],
];

function unicode(rng: Rng, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = rng.pick(UNICODE_RANGES);
    text += String.fromCodePoint(lo + rng.int(hi - lo + 1));
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// What a case expects

/** One answer inside a batch. */
type Member = { id: JsonRpcId | null; error: GatewayErrorName } | { id: JsonRpcId; what: string; check: (result: unknown) => boolean };

type Expected =
  /** A JSON-RPC error with one of these names' code and status, carrying `id`. */
  | { kind: 'error'; names: readonly GatewayErrorName[]; id: JsonRpcId | null }
  /** A successful response for `id` (JSON or a one-event stream). */
  | { kind: 'result'; id: JsonRpcId; what: string; check: (result: unknown) => boolean }
  /** initialize answered with a session; `followUp` then calls a tool in it. */
  | { kind: 'init'; id: JsonRpcId; key: Key; followUp: boolean }
  /** 202 with no body: notifications and responses only (MCP transport, "Sending Messages"). */
  | { kind: 'accepted' }
  /** 202, or the gateway refusing the message with this error and id null. */
  | { kind: 'acceptedOrError'; name: GatewayErrorName }
  /** Each member its own answer, in any order. */
  | { kind: 'batch'; members: Member[] }
  /** node:http answers itself (no body): 400 for a malformed request, 431 for huge headers. */
  | { kind: 'node'; status: number }
  /** node's bare 400, or a 4xx JSON-RPC error from the table: for bytes node may or may not accept. */
  | { kind: 'nodeOrError'; status: number }
  /** A status without a body (HEAD). */
  | { kind: 'status'; status: number }
  /** Any of these: where more than one answer is right (a nesting limit, lenient initialize). */
  | { kind: 'either'; options: Expected[] };

interface Case {
  category: Category;
  /** What kind of input this is; cases with the same label and problem are reported together. */
  label: string;
  method: string;
  path: string;
  headers: Pair[];
  body?: Buffer;
  /** Sent chunked, without Content-Length. */
  chunks?: Buffer[];
  /** Sent as these bytes on a raw socket (what fetch and undici refuse to send). */
  raw?: { bytes: Buffer; halfClose: boolean };
  expect: Expected;
}

const CATEGORIES = [
  'malformed json',
  'truncated json',
  'wrong json-rpc types',
  'huge and odd ids',
  'deep nesting',
  'prototype keys',
  'invalid utf-8',
  'body over the limit',
  'oversized headers',
  'duplicated headers',
  'crlf in headers',
  'bad and foreign sessions',
  'protocol versions',
  'accept and content-type',
  'credentials and origin',
  'batches',
  'http methods and paths',
  'initialize',
] as const;
type Category = (typeof CATEGORIES)[number];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const own = (value: Record<string, unknown>, key: string): unknown => (Object.hasOwn(value, key) ? value[key] : undefined);
const readableId = (value: unknown): JsonRpcId | null => (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : null);
// === on purpose: an id of -0 comes back as 0, which is the same JSON-RPC id.
const sameId = (a: unknown, b: unknown): boolean => a === b;

const emptyResult = (result: unknown): boolean => isObject(result) && Object.keys(result).length === 0;
const textResult = (text: string) => (result: unknown): boolean => {
  if (!isObject(result)) return false;
  const content = own(result, 'content');
  if (!Array.isArray(content)) return false;
  const first: unknown = content[0];
  return isObject(first) && own(first, 'text') === text;
};
const toolsResult = (result: unknown): boolean => isObject(result) && Array.isArray(own(result, 'tools'));

// ---------------------------------------------------------------------------------------------
// The model: what the documented rules say a POST /mcp gets

/** Sessions opened in setup: id -> owner and negotiated revision. */
const known = new Map<string, { owner: Key; version: string }>();

/** node:http trims optional whitespace around header values. */
const trimOws = (value: string): string => value.replace(/^[ \t]+|[ \t]+$/g, '');
const values = (headers: readonly Pair[], name: string): string[] => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => trimOws(v));
/** Repeated list headers reach the handler joined with ", " (node's documented behaviour). */
const joined = (headers: readonly Pair[], name: string): string | undefined => {
  const all = values(headers, name);
  return all.length === 0 ? undefined : all.join(', ');
};

/** application/json with any parameters, media type case-insensitive. */
function isJsonMediaType(value: string | undefined): boolean {
  return value !== undefined && value.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

/** Which answer formats an Accept admits; a missing header admits both, q=0 refuses. */
function admits(accept: string | undefined): { json: boolean; sse: boolean } {
  if (accept === undefined) return { json: true, sse: true };
  const formats = { json: false, sse: false };
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';');
    if (params.some((param) => /^\s*q\s*=\s*0(\.0*)?\s*$/i.test(param))) continue;
    const media = type.trim().toLowerCase();
    if (media === '*/*') {
      formats.json = true;
      formats.sse = true;
    } else if (media === 'application/*' || media === 'application/json') formats.json = true;
    else if (media === 'text/*' || media === 'text/event-stream') formats.sse = true;
  }
  return formats;
}

/**
 * The credential rules of docs/errors.md: the API key may come in Authorization (Bearer or
 * Api-Key), X-API-Key or Api-Key; the same key in several header lines is one credential; two
 * different keys are AMBIGUOUS_CREDENTIALS. Each header line counts, repeated or not.
 */
function credential(headers: readonly Pair[]): { key: Key } | { deny: GatewayErrorName } {
  const offered = new Set<string>();
  for (const raw of values(headers, 'authorization')) {
    const match = /^(\S+)[ \t]+(\S.*)$/.exec(raw);
    if (match && /^(bearer|api-key)$/i.test(match[1]!)) offered.add(match[2]!.trim());
  }
  for (const name of ['x-api-key', 'api-key']) for (const raw of values(headers, name)) if (raw !== '') offered.add(raw);
  if (offered.size > 1) return { deny: 'AMBIGUOUS_CREDENTIALS' };
  const [value] = [...offered];
  if (value === undefined) return { deny: 'UNAUTHENTICATED' };
  if (value === 'k1' || value === 'k2') return { key: value };
  return { deny: 'INVALID_CREDENTIALS' };
}

type Item =
  | { kind: 'invalid'; id: JsonRpcId | null }
  | { kind: 'request'; id: JsonRpcId; method: string; params: Record<string, unknown> | undefined }
  | { kind: 'notification'; method: string; params: Record<string, unknown> | undefined }
  | { kind: 'response' };

/** JSON-RPC 2.0 as MCP uses it (the INVALID_REQUEST table of docs/errors.md). */
function classify(value: unknown): Item {
  if (!isObject(value)) return { kind: 'invalid', id: null };
  const hasId = Object.hasOwn(value, 'id');
  const id = readableId(own(value, 'id'));
  if (own(value, 'jsonrpc') !== '2.0') return { kind: 'invalid', id };
  const hasResult = Object.hasOwn(value, 'result');
  const hasError = Object.hasOwn(value, 'error');
  if (Object.hasOwn(value, 'method')) {
    const method = own(value, 'method');
    if (typeof method !== 'string' || method === '' || hasResult || hasError) return { kind: 'invalid', id };
    const params = own(value, 'params');
    if (Object.hasOwn(value, 'params') && !isObject(params)) return { kind: 'invalid', id };
    const p = isObject(params) ? params : undefined;
    if (!hasId) return { kind: 'notification', method, params: p };
    if (id === null) return { kind: 'invalid', id: null };
    return { kind: 'request', id, method, params: p };
  }
  if (hasResult === hasError || !hasId) return { kind: 'invalid', id: hasId ? id : null };
  if (hasResult) return id === null ? { kind: 'invalid', id: null } : { kind: 'response' };
  const rawId = own(value, 'id');
  if (rawId !== null && id === null) return { kind: 'invalid', id: null };
  const error = own(value, 'error');
  if (!isObject(error) || !Number.isInteger(own(error, 'code')) || typeof own(error, 'message') !== 'string') return { kind: 'invalid', id };
  return { kind: 'response' };
}

/** The names the routing and policy of this file's gateway decide on (see `options`). */
const TARGET_PARAM = new Map<string, string>([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['resources/subscribe', 'uri'],
  ['resources/unsubscribe', 'uri'],
]);
const SESSION_NOTIFICATIONS = new Set(['notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/roots/list_changed']);

/** 'loose': a request method sent as a notification; dropping it (202) and refusing it (-32600) are both right. */
type Outcome = Member | 'none' | 'loose';

/**
 * One valid message in an open session: target, policy (deny logging/*, tools only up.* and
 * never up.slow/up.sample), protocol methods answered by the gateway, routing (tools/* only).
 */
function decide(item: Exclude<Item, { kind: 'invalid' } | { kind: 'response' }>): Outcome {
  const id = item.kind === 'request' ? item.id : null;
  const { method, params } = item;
  const fail = (error: GatewayErrorName): Outcome => ({ id, error });
  const targetParam = TARGET_PARAM.get(method);
  let tool: string | undefined;
  if (targetParam !== undefined) {
    const name = params === undefined ? undefined : own(params, targetParam);
    if (typeof name !== 'string' || name === '') return fail('INVALID_PARAMS');
    if (method === 'tools/call') tool = name;
  } else if (method === 'completion/complete') {
    const ref = params === undefined ? undefined : own(params, 'ref');
    const ok = isObject(ref) && ((own(ref, 'type') === 'ref/prompt' && typeof own(ref, 'name') === 'string' && own(ref, 'name') !== '') || (own(ref, 'type') === 'ref/resource' && typeof own(ref, 'uri') === 'string' && own(ref, 'uri') !== ''));
    if (!ok) return fail('INVALID_PARAMS');
  }
  if (/^logging\/[^/]+$/.test(method)) return fail('FORBIDDEN');
  if (tool !== undefined && (tool === 'up.slow' || tool === 'up.sample' || !/^up\.[^/]+$/.test(tool))) return fail('FORBIDDEN');
  if (method === 'ping' || method === 'initialize') {
    if (item.kind === 'notification') return 'loose';
    return { id: item.id, what: 'pong', check: emptyResult };
  }
  if (SESSION_NOTIFICATIONS.has(method)) {
    if (item.kind === 'notification') return 'none';
    throw new Error(`unmodelled: request ${method}`);
  }
  if (/^tools\/[^/]+$/.test(method)) {
    // Forwarded: only calls whose upstream answer is known are generated.
    if (item.kind === 'notification') return 'none';
    if (typeof item.id === 'number' && !Number.isSafeInteger(item.id)) throw new Error(`unmodelled: forwarded id ${item.id}`);
    if (method === 'tools/list') return { id: item.id, what: 'tools/list', check: toolsResult };
    const args = params === undefined ? undefined : own(params, 'arguments');
    if (tool === 'up.add' && isObject(args)) {
      const a = own(args, 'a');
      const b = own(args, 'b');
      if (typeof a === 'number' && typeof b === 'number') return { id: item.id, what: `up.add = ${a + b}`, check: textResult(String(a + b)) };
    }
    if (tool === 'up.echo' && isObject(args)) {
      const text = own(args, 'text');
      if (typeof text === 'string') return { id: item.id, what: 'up.echo', check: textResult(text) };
    }
    throw new Error(`unmodelled: forwarded ${method} ${String(tool)}`);
  }
  return fail('NO_ROUTE');
}

/** initialize params an upstream will accept when the gateway replays them (MCP InitializeRequest). */
function validInitializeParams(params: Record<string, unknown> | undefined): boolean {
  if (params === undefined) return false;
  const info = own(params, 'clientInfo');
  return typeof own(params, 'protocolVersion') === 'string' && isObject(own(params, 'capabilities')) && isObject(info) && typeof own(info, 'name') === 'string' && typeof own(info, 'version') === 'string';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The expected answer to POST /mcp with these headers and body, in the order of data-plane.md. */
function modelPost(headers: readonly Pair[], body: Buffer): Expected {
  const error = (name: GatewayErrorName, id: JsonRpcId | null): Expected => ({ kind: 'error', names: [name], id });
  // node keeps the first Content-Type and drops repeats (IncomingMessage.headers).
  if (!isJsonMediaType(values(headers, 'content-type')[0])) return error('UNSUPPORTED_MEDIA_TYPE', null);
  const accept = admits(joined(headers, 'accept'));
  if (!accept.json && !accept.sse) return error('NOT_ACCEPTABLE', null);
  // Origin and credential are headers: decided before the body is read, so with no id.
  const origin = joined(headers, 'origin');
  if (origin !== undefined && origin !== ALLOWED_ORIGIN) return error('ORIGIN_NOT_ALLOWED', null);
  const auth = credential(headers);
  if ('deny' in auth) return error(auth.deny, null);
  if (body.length > LIMIT) return error('PAYLOAD_TOO_LARGE', null);
  let value: unknown;
  try {
    // A UTF-8 BOM is dropped by the decoder: RFC 8259 §8.1 lets a parser ignore it.
    value = JSON.parse(strictUtf8.decode(body));
  } catch {
    return error('PARSE_ERROR', null);
  }
  const batch = Array.isArray(value);
  if (Array.isArray(value) && value.length === 0) return error('INVALID_REQUEST', null);
  const items = (Array.isArray(value) ? (value as unknown[]) : [value]).map(classify);
  const only = items.length === 1 ? items[0]! : undefined;
  const reply = only?.kind === 'invalid' || only?.kind === 'request' ? only.id : null;

  const version = joined(headers, 'mcp-protocol-version');
  if (version !== undefined && !VERSIONS.includes(version)) return error('UNSUPPORTED_PROTOCOL_VERSION', reply);
  // One message that is not valid JSON-RPC is answered with its own error, whatever the session.
  if (!batch && only?.kind === 'invalid') return error('INVALID_REQUEST', only.id);

  const sessions = values(headers, 'mcp-session-id');
  const initialize = items.find((item) => item.kind === 'request' && item.method === 'initialize');
  if (initialize?.kind === 'request') {
    if (items.length > 1) return error('INVALID_REQUEST', null);
    if (sessions.length > 0) return error('BAD_REQUEST', initialize.id);
    if (!validInitializeParams(initialize.params)) return error('INVALID_PARAMS', initialize.id);
    return { kind: 'init', id: initialize.id, key: auth.key, followUp: false };
  }
  if (sessions.length === 0) return error('BAD_REQUEST', reply);
  // Two session ids name no one session: unknown (404) or a malformed request (400) are both right.
  if (sessions.length > 1) return { kind: 'error', names: ['SESSION_NOT_FOUND', 'BAD_REQUEST'], id: reply };
  const session = known.get(sessions[0]!);
  if (session === undefined || session.owner !== auth.key) return error('SESSION_NOT_FOUND', reply);
  if (batch && (version ?? session.version) !== '2025-03-26') return error('INVALID_REQUEST', null);

  const outcomes = items.map((item): Outcome => {
    if (item.kind === 'invalid') return { id: item.id, error: 'INVALID_REQUEST' };
    // No server-to-client request is ever pending here, so every response is unexpected.
    if (item.kind === 'response') return { id: null, error: 'INVALID_REQUEST' };
    return decide(item);
  });
  if (outcomes.includes('loose')) {
    if (batch) throw new Error('unmodelled: a request method sent as a notification inside a batch');
    return { kind: 'acceptedOrError', name: 'INVALID_REQUEST' };
  }
  const members = outcomes.filter((outcome): outcome is Member => outcome !== 'none' && outcome !== 'loose');
  if (members.length === 0) return { kind: 'accepted' };
  if (batch) return { kind: 'batch', members };
  const member = members[0]!;
  return 'error' in member ? error(member.error, member.id) : { kind: 'result', ...member };
}

// ---------------------------------------------------------------------------------------------
// Generating the campaign

interface Sessions {
  s25: string;
  s06: string;
  k2: string;
}

class Generator {
  readonly rng = new Rng(SEED);
  private serial = 0;
  readonly cases: Case[] = [];
  constructor(readonly sessions: Sessions) {}

  /** A fresh small id, unique in the campaign. */
  id(): number {
    return ++this.serial;
  }
  /** An id for a forwarded call: unique, so concurrent calls on one upstream session never collide. */
  forwardId(): JsonRpcId {
    const n = ++this.serial;
    return this.rng.chance(0.5) ? 10_000_000 + n : `fwd-${n}-${unicode(this.rng, this.rng.between(0, 12))}`;
  }

  /** The usual headers: JSON, both formats, key k1 (k2 for its session), a session. */
  headers(options: { session?: keyof Sessions | 'none' | { raw: string }; key?: Key | 'none'; accept?: string | null; contentType?: string | null; extra?: Pair[] } = {}): Pair[] {
    const pairs: Pair[] = [];
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (contentType !== null) pairs.push(['content-type', contentType]);
    const accept = options.accept === undefined ? BOTH : options.accept;
    if (accept !== null) pairs.push(['accept', accept]);
    const session = options.session ?? (this.rng.chance(0.5) ? 's25' : 's06');
    const key = options.key ?? (session === 'k2' ? 'k2' : 'k1');
    if (key !== 'none') pairs.push(['x-api-key', key]);
    if (typeof session === 'object') pairs.push(['mcp-session-id', session.raw]);
    else if (session !== 'none') pairs.push(['mcp-session-id', this.sessions[session]]);
    return [...pairs, ...(options.extra ?? [])];
  }

  post(category: Category, label: string, body: string | Buffer, headers: Pair[], options: { path?: string; chunked?: boolean; followUp?: boolean; or?: Expected[] } = {}): Case {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const modelled = modelPost(headers, bytes);
    if (options.followUp && modelled.kind === 'init') modelled.followUp = true;
    const expected: Expected = options.or ? { kind: 'either', options: [modelled, ...options.or] } : modelled;
    const c: Case = { category, label, method: 'POST', path: options.path ?? '/mcp', headers, expect: expected };
    if (options.chunked) c.chunks = this.split(bytes);
    else c.body = bytes;
    this.cases.push(c);
    return c;
  }

  add(c: Case): void {
    this.cases.push(c);
  }

  private split(bytes: Buffer): Buffer[] {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = this.rng.between(1024, 32 * 1024);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    return chunks;
  }

  // Messages ----------------------------------------------------------------------------------

  /**
   * Messages that are answered without an upstream (mutations of them never become tools/*).
   * Their targets are ones no upstream lists, so the catalog cannot route them either.
   */
  plainMessage(): Record<string, unknown> {
    const id = this.id();
    switch (this.rng.int(12)) {
      case 0:
      case 1:
        return { jsonrpc: '2.0', id, method: 'ping' };
      case 2:
        return { jsonrpc: '2.0', id: `r-${id}`, method: 'resources/read', params: { uri: 'nowhere://readme' } };
      case 3:
        return { jsonrpc: '2.0', id, method: 'prompts/get', params: { name: 'nowhere.greet', arguments: { who: 'x' } } };
      case 4:
        return { jsonrpc: '2.0', id, method: 'logging/setLevel', params: { level: 'debug' } };
      case 5:
        return { jsonrpc: '2.0', id, method: 'sampling/unknown', params: {} };
      case 6:
        return { jsonrpc: '2.0', method: 'notifications/initialized' };
      case 7:
        return { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: `cancel-${id}`, reason: 'x' } };
      case 8:
        return { jsonrpc: '2.0', id, result: {} };
      case 9:
        return { jsonrpc: '2.0', id: null, error: { code: -1, message: 'client-side failure' } };
      case 10:
        return { jsonrpc: '2.0', id, method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'nowhere.greet' }, argument: { name: 'who', value: 'a' } } };
      default:
        return { jsonrpc: '2.0', id, method: 'ping', params: { _meta: { progressToken: `p-${id}` } } };
    }
  }

  /** A tools/call whose upstream answer is known. */
  call(id: JsonRpcId = this.forwardId(), extraArgs: Record<string, unknown> = {}): Record<string, unknown> {
    if (this.rng.chance(0.5)) {
      const a = this.rng.between(-1_000_000, 1_000_000);
      const b = this.rng.chance(0.8) ? this.rng.between(-1000, 1000) : this.rng.next() * 1000;
      return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up.add', arguments: { ...extraArgs, a, b } } };
    }
    return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up.echo', arguments: { ...extraArgs, text: unicode(this.rng, this.rng.between(0, 40)) } } };
  }

  /** A message the gateway refuses on its own, with a valid envelope. */
  refusedMessage(): Record<string, unknown> {
    const id = this.id();
    return this.rng.pick<Record<string, unknown>>([
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'evil.tool', arguments: {} } },
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up.slow', arguments: { ms: 1 } } },
      { jsonrpc: '2.0', id, method: 'tools/call', params: { arguments: { a: 1 } } },
      { jsonrpc: '2.0', id, method: 'resources/read', params: {} },
      { jsonrpc: '2.0', id, method: 'foo/bar' },
      { jsonrpc: '2.0', method: 'notifications/foo' },
    ]);
  }
}

/** Replaces `"@raw:<text>"` strings by their text, so bodies can hold tokens JSON.stringify cannot write. */
function withRaw(value: unknown): string {
  return JSON.stringify(value).replace(/"@raw:((?:[^"\\]|\\.)*)"/g, (_match, token: string) => JSON.parse(`"${token}"`) as string);
}

function mutate(rng: Rng, text: string): string {
  const at = rng.int(text.length + 1);
  const noise = rng.pick(['{', '}', '[', ']', '"', ':', ',', '\\', ' ', '0', '-', 'e', '.', 'n', 't', '\u0000', '\n', '/', '*', "'", 'x']);
  switch (rng.int(6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + noise + text.slice(at);
    case 2:
      return text.slice(0, at) + noise + text.slice(at + 1);
    case 3:
      return at + 1 < text.length ? text.slice(0, at) + text[at + 1]! + text[at]! + text.slice(at + 2) : text + noise;
    case 4:
      // A duplicated key: JSON.parse keeps the last one.
      return text.replace(/^\{/, rng.pick(['{"id":{},', '{"jsonrpc":"1.0",', '{"method":7,', '{"params":[],']));
    default:
      return text.slice(0, at) + text.slice(at, at + rng.between(1, 8)).repeat(2) + text.slice(at + 8);
  }
}

const GARBAGE_TOKENS = ['{', '}', '[', ']', ':', ',', '"a"', '"jsonrpc"', '"2.0"', '1', '-0', '1e999', 'true', 'false', 'null', 'NaN', 'Infinity', 'undefined', "'x'", '//', '/*', '*/', ' ', '\n', '\t', '\\u0000', '"\\u', '0x10', '01', '.5', '+1', '{}', '[]', ',]', ',}', '"', '\u00a0'];

function generateMalformed(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    if (rng.chance(0.35)) {
      let text = '';
      const tokens = rng.between(1, 30);
      for (let t = 0; t < tokens; t++) text += rng.pick(GARBAGE_TOKENS);
      g.post('malformed json', 'random json-ish tokens', text, g.headers());
    } else {
      let text = JSON.stringify(g.plainMessage());
      const rounds = rng.between(1, 3);
      for (let r = 0; r < rounds; r++) text = mutate(rng, text);
      g.post('malformed json', 'mutated message', text, g.headers());
    }
  }
}

function generateTruncated(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const batch = rng.chance(0.2);
    const text = batch ? JSON.stringify([g.plainMessage(), g.plainMessage()]) : JSON.stringify(g.plainMessage());
    const cut = rng.chance(0.05) ? 0 : rng.between(1, text.length - 1);
    g.post('truncated json', batch ? 'truncated batch' : 'truncated message', text.slice(0, cut) + (rng.chance(0.2) ? ' \n' : ''), g.headers({ session: batch ? 's25' : undefined }));
  }
}

const BAD_JSONRPC: readonly unknown[] = ['1.0', 2, '2', '2.00', null, true, [], {}, '', ' 2.0', '2.0\u0000', 'TWO', '@raw:2.0'];
const BAD_METHODS: readonly unknown[] = [1, 0, -1, 1.5, null, true, false, [], {}, '', ['ping'], { name: 'ping' }];
const BAD_PARAMS: readonly unknown[] = [[], [1, 2], 'str', 1, true, null, '', [{}], 0];
const ODD_BAD_IDS: readonly unknown[] = [{}, [], [1], true, false, null, { a: 1 }, 'NaN', 'Infinity', '-Infinity', 'undefined', 'null', '', 0, -1, 1.5, '@raw:1e400', '@raw:-1e400', '@raw:NaN', '@raw:Infinity'];
const BAD_ERRORS: readonly unknown[] = [{ code: 1.5, message: 'x' }, { code: '1', message: 'x' }, { code: 1, message: 5 }, 'str', null, { code: 1 }, { message: 'x' }, []];

function generateWrongTypes(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const message: Record<string, unknown> = rng.chance(0.7) ? g.plainMessage() : g.refusedMessage();
    const faults = rng.between(1, 2);
    const applied: string[] = [];
    for (let f = 0; f < faults; f++) {
      switch (rng.int(8)) {
        case 0:
          message['jsonrpc'] = rng.pick(BAD_JSONRPC);
          applied.push('jsonrpc');
          break;
        case 1:
          delete message['jsonrpc'];
          applied.push('no jsonrpc');
          break;
        case 2:
          message['method'] = rng.pick(BAD_METHODS);
          applied.push('method');
          break;
        case 3:
          message['params'] = rng.pick(BAD_PARAMS);
          applied.push('params');
          break;
        case 4:
          // Only where an id is: an id on a notifications/* message makes a request the rules do not cover.
          if (Object.hasOwn(message, 'id')) {
            message['id'] = rng.pick(ODD_BAD_IDS);
            applied.push('id');
          } else {
            message['params'] = rng.pick(BAD_PARAMS);
            applied.push('params');
          }
          break;
        case 5:
          message[rng.pick(['result', 'error'])] = rng.chance(0.5) ? {} : { code: 1, message: 'm' };
          applied.push('result/error');
          break;
        case 6:
          message['error'] = rng.pick(BAD_ERRORS);
          applied.push('error shape');
          break;
        default:
          delete message['method'];
          applied.push('no method');
      }
    }
    g.post('wrong json-rpc types', `wrong ${applied.join(' + ')}`, withRaw(message), g.headers());
  }
  for (let i = 0; i < 20; i++) {
    // Requests sent as notifications: nothing to answer, so accepted like any notification.
    const method = i % 2 === 0 ? { jsonrpc: '2.0', method: 'ping' } : { jsonrpc: '2.0', method: 'initialize', params: INITIALIZE_PARAMS };
    g.post('wrong json-rpc types', `${method.method} sent as a notification`, JSON.stringify(method), g.headers());
  }
  for (let i = 0; i < 6; i++) {
    g.post('wrong json-rpc types', 'ping sent as a notification, with an extra member', JSON.stringify({ jsonrpc: '2.0', method: 'ping', [`x-${i}`]: i }), g.headers());
  }
}

const ODD_ID_TOKENS: readonly string[] = [
  '1e308', '-1e308', '-0', '0', '9007199254740993', '9007199254740992', '-9007199254740993', '1.5', '1e-300', '5e-324', '1e21',
  '123456789012345678901234567890', '1E2', '1e+2', '-0.0', '0e0', '1.7976931348623157e308', '1e309', '-1e309', '""', '" "',
  '"\\u0000"', '"\\ud800"', '"\\udc00x"', '"\\u2028\\u2029"', '"\\u202e\\u200b"', '"🙂"', '"\\"\\\\"', '"NaN"', '"Infinity"', '"-0"', '"__proto__"',
];

function oddIdToken(g: Generator): string {
  const { rng } = g;
  switch (rng.int(4)) {
    case 0:
      return JSON.stringify(unicode(rng, rng.between(1, 64)));
    case 1:
      return JSON.stringify('x'.repeat(10 * 1024 - rng.int(100)) + String(g.id()));
    default:
      return rng.pick(ODD_ID_TOKENS);
  }
}

function generateOddIds(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const roll = rng.int(20);
    if (roll < 14) {
      g.post('huge and odd ids', 'ping with an odd id', `{"jsonrpc":"2.0","id":${oddIdToken(g)},"method":"ping"}`, g.headers());
    } else if (roll < 16) {
      g.post('huge and odd ids', 'invalid message with an odd id', `{"jsonrpc":"1.0","id":${oddIdToken(g)},"method":"ping"}`, g.headers());
    } else if (roll < 17) {
      g.post('huge and odd ids', 'resources/read without uri, odd id', `{"jsonrpc":"2.0","id":${oddIdToken(g)},"method":"resources/read","params":{}}`, g.headers());
    } else {
      const id = rng.chance(0.3) ? `fwd-${g.id()}-${'y'.repeat(10 * 1024)}` : g.forwardId();
      g.post('huge and odd ids', 'forwarded tools/call with an odd id', JSON.stringify(g.call(id)), g.headers({ accept: rng.pick([BOTH, 'application/json', 'text/event-stream']) }));
    }
  }
}

const deepArray = (inner = ''): string => '['.repeat(DEEP) + inner + ']'.repeat(DEEP);
const deepObject = (inner = '1'): string => '{"a":'.repeat(DEEP) + inner + '}'.repeat(DEEP);
const deepMixed = (): string => '[{"a":'.repeat(DEEP / 2) + '0' + '}]'.repeat(DEEP / 2);

/**
 * 10,000 levels. Handling them like their shallow twins is right; so is a nesting limit that
 * refuses them as INVALID_REQUEST (or INVALID_PARAMS for initialize). A 5xx, a cut connection or a
 * session that cannot reach its upstream is not.
 */
function generateDeep(g: Generator, rounds: number): void {
  const refused = (id: JsonRpcId | null): Expected => ({ kind: 'error', names: ['INVALID_REQUEST'], id });
  const pong = (id: number): Member => ({ id, what: 'pong', check: emptyResult });
  for (let r = 0; r < rounds; r++) {
    const deep = r % 3 === 0 ? deepArray() : r % 3 === 1 ? deepObject() : deepMixed();
    g.post('deep nesting', 'deep array body', deepArray(), g.headers());
    g.post('deep nesting', 'deep object body', deepObject(), g.headers());
    let id = g.id();
    g.post('deep nesting', 'ping with deep params', `{"jsonrpc":"2.0","id":${id},"method":"ping","params":{"d":${deep}}}`, g.headers(), { or: [refused(id)] });
    g.post('deep nesting', 'ping with a deep id', `{"jsonrpc":"2.0","id":${deep},"method":"ping"}`, g.headers());
    g.post('deep nesting', 'unclosed deep body', '['.repeat(DEEP) + '{"a":'.repeat(r), g.headers());
    g.post('deep nesting', 'response with a deep result', `{"jsonrpc":"2.0","id":${g.id()},"result":${deep}}`, g.headers());
    const callId = `deep-${g.id()}`;
    const call = `{"jsonrpc":"2.0","id":"${callId}","method":"tools/call","params":{"name":"up.echo","arguments":{"text":"deep","d":${deep}}}}`;
    g.post('deep nesting', 'tools/call with deep arguments', call, g.headers(), { or: [refused(callId)] });
    id = g.id();
    const batchCall = call.replace(callId, `${callId}-b`);
    g.post('deep nesting', 'batch: ping + tools/call with deep arguments', `[{"jsonrpc":"2.0","id":${id},"method":"ping"},${batchCall}]`, g.headers({ session: 's25' }), {
      or: [{ kind: 'batch', members: [pong(id), { id: `${callId}-b`, error: 'INVALID_REQUEST' }] }, refused(null)],
    });
    id = g.id();
    g.post('deep nesting', 'batch: notification with deep params', `[{"jsonrpc":"2.0","method":"notifications/foo","params":{"d":${deep}}},{"jsonrpc":"2.0","id":${id},"method":"ping"}]`, g.headers({ session: 's25' }), {
      or: [{ kind: 'batch', members: [pong(id), { id: null, error: 'INVALID_REQUEST' }] }, refused(null)],
    });
    g.post('deep nesting', 'notifications/progress with deep params', `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"deep","progress":1,"d":${deep}}}`, g.headers(), { or: [refused(null)] });
    g.post('deep nesting', 'notifications/cancelled with deep params', `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"cancel-deep","d":${deep}}}`, g.headers(), { or: [refused(null)] });
    if (r < 4) {
      id = g.id();
      const init = `{"jsonrpc":"2.0","id":${id},"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"deep","version":"1"},"capabilities":{"experimental":{"d":${deep}}}}}`;
      g.post('deep nesting', 'initialize with deep capabilities, then tools/call', init, g.headers({ session: 'none' }), { followUp: true, or: [{ kind: 'error', names: ['INVALID_REQUEST', 'INVALID_PARAMS'], id }] });
    }
  }
}

const PROTOTYPE_METHODS: readonly string[] = [
  'constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable',
  'toLocaleString', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
];
const POLLUTERS: readonly string[] = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"prototype":{"polluted":"yes"}}',
  '{"__proto__":null}',
  '{"__proto__":[1,2]}',
  '{"constructor":"x","__proto__":"y","prototype":1,"polluted":"local"}',
  '{"a":[{"__proto__":{"polluted":"yes"}}]}',
];

function generatePrototype(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const p = rng.pick(POLLUTERS);
    const id = g.id();
    switch (rng.int(14)) {
      case 0:
        g.post('prototype keys', 'ping with a polluting top-level key', `{"jsonrpc":"2.0","id":${id},"method":"ping","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`, g.headers());
        break;
      case 1:
        g.post('prototype keys', 'ping with polluting params', `{"jsonrpc":"2.0","id":${id},"method":"ping","params":${p}}`, g.headers());
        break;
      case 2:
        g.post('prototype keys', 'target only under __proto__', `{"jsonrpc":"2.0","id":${id},"method":"${rng.pick(['tools/call', 'resources/read', 'prompts/get'])}","params":{"__proto__":{"name":"up.add","uri":"up://readme"}}}`, g.headers());
        break;
      case 3:
        g.post('prototype keys', 'envelope only under __proto__', `{"${rng.pick(['__proto__', 'constructor', 'prototype'])}":{"jsonrpc":"2.0","id":${id},"method":"ping"}}`, g.headers());
        break;
      case 4:
        g.post('prototype keys', 'jsonrpc only under __proto__', `{"__proto__":{"jsonrpc":"2.0"},"id":${id},"method":"ping"}`, g.headers());
        break;
      case 5:
        g.post('prototype keys', 'polluting id', `{"jsonrpc":"2.0","id":${p},"method":"ping"}`, g.headers());
        break;
      case 6:
      case 7: {
        const method = rng.pick(PROTOTYPE_METHODS);
        const notification = rng.chance(0.25);
        g.post('prototype keys', `method named ${method}${notification ? ' (notification)' : ''}`, notification ? `{"jsonrpc":"2.0","method":"${method}"}` : `{"jsonrpc":"2.0","id":${id},"method":"${method}"${rng.chance(0.5) ? `,"params":${p}` : ''}}`, g.headers());
        break;
      }
      case 8: {
        const name = rng.pick(PROTOTYPE_METHODS);
        const [method, param] = rng.pick([['tools/call', 'name'], ['prompts/get', 'name'], ['resources/read', 'uri']] as const);
        g.post('prototype keys', `${method} targeting ${param} ${name}`, `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":{"${param}":"${name}"}}`, g.headers());
        break;
      }
      case 9:
        g.post('prototype keys', 'response with a polluting result or error.data', rng.chance(0.5) ? `{"jsonrpc":"2.0","id":${id},"result":${p}}` : `{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m","data":${p}}}`, g.headers());
        break;
      case 10: {
        const call = JSON.stringify(g.call()).replace('"arguments":{', `"__proto__":{"name":"evil"},"_meta":${p},"arguments":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},`);
        g.post('prototype keys', 'forwarded tools/call with polluting arguments', call, g.headers());
        break;
      }
      case 11:
        g.post('prototype keys', 'batch of polluting members', `[{"jsonrpc":"2.0","id":${id},"method":"ping","params":${p}},${p},{"jsonrpc":"2.0","method":"constructor"},{"__proto__":{"jsonrpc":"2.0","id":1,"method":"ping"}}]`, g.headers({ session: 's25' }));
        break;
      case 12: {
        const name = rng.pick(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']);
        g.post('prototype keys', `header named ${name}`, JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }), g.headers({ extra: [[name, 'polluted']] }));
        break;
      }
      default:
        g.post('prototype keys', 'polluting query string', JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }), g.headers(), { path: '/mcp?__proto__[polluted]=yes&constructor[prototype][polluted]=yes' });
    }
  }
  // Only payloads the MCP schema allows there (experimental values are objects): these sessions must work.
  const experimental = ['{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}', '{"prototype":{"polluted":"yes"}}', '{"a":{"b":[{"__proto__":{"polluted":"yes"}}]}}'];
  for (let i = 0; i < 8; i++) {
    const params = `{"protocolVersion":"2025-06-18","__proto__":{"polluted":"yes"},"capabilities":{"constructor":{"prototype":{"polluted":"yes"}},"experimental":${experimental[i % experimental.length]!}},"clientInfo":{"name":"proto","version":"1","__proto__":{"polluted":"yes"}}}`;
    g.post('prototype keys', 'initialize with polluting params, then tools/call', `{"jsonrpc":"2.0","id":${g.id()},"method":"initialize","params":${params}}`, g.headers({ session: 'none' }), { followUp: true });
  }
}

const INVALID_UTF8: ReadonlyArray<readonly number[]> = [
  [0xff], [0xfe], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xbf], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc0, 0xa2], [0xc0, 0xbb], [0xe9],
];
const VALID_UTF8: readonly string[] = ['é', '🙂', '\u{10ffff}', '\uffff', '中文', 'עברית', '\u200b'];

function generateUtf8(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const text = JSON.stringify(rng.chance(0.5) ? { jsonrpc: '2.0', id: `u-${g.id()}-`, method: 'ping' } : g.plainMessage());
    const roll = rng.int(10);
    if (roll < 7) {
      // Inside a string when one is there to hit, else anywhere.
      const quote = text.indexOf('"', rng.int(text.length));
      const at = quote === -1 ? rng.int(text.length + 1) : quote + 1;
      const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(rng.pick(INVALID_UTF8)), Buffer.from(text.slice(at))]);
      g.post('invalid utf-8', 'invalid byte sequence', bytes, g.headers());
    } else if (roll < 8) {
      const bytes = rng.chance(0.5) ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : Buffer.from(text, 'utf16le');
      g.post('invalid utf-8', 'utf-16 body', bytes, g.headers());
    } else if (roll < 9) {
      g.post('invalid utf-8', 'utf-8 bom before the body', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), g.headers());
    } else {
      const ping = `{"jsonrpc":"2.0","id":"v-${g.id()}-${rng.pick(VALID_UTF8)}","method":"ping","params":{"t":"${rng.pick(VALID_UTF8)}"}}`;
      g.post('invalid utf-8', 'valid multi-byte text', ping, g.headers());
    }
  }
}

function generateOverLimit(g: Generator): void {
  const { rng } = g;
  const padded = (size: number): string => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: g.id(), method: 'ping' });
    return ping + ' '.repeat(size - ping.length);
  };
  for (let i = 0; i < 50; i++) {
    const size = rng.pick([LIMIT + 1, LIMIT + 2, LIMIT + rng.between(3, 100_000), 2 * LIMIT, 300_000]);
    g.post('body over the limit', 'over the limit, with content-length', rng.chance(0.5) ? padded(size) : Buffer.alloc(size, 0x7b), g.headers());
  }
  for (let i = 0; i < 40; i++) {
    const size = rng.pick([LIMIT + 1, LIMIT + rng.between(2, 100_000), 250_000]);
    g.post('body over the limit', 'over the limit, chunked', padded(size), g.headers(), { chunked: true });
  }
  for (let i = 0; i < 10; i++) {
    // At the limit is not over it.
    g.post('body over the limit', 'exactly at the limit', padded(LIMIT - (i % 2)), g.headers(), { chunked: i >= 6 });
  }
  for (let i = 0; i < 5; i++) {
    // The declared length alone decides: 413 before the (short) body is waited for.
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Api-Key: k1\r\nMcp-Session-Id: ${g.sessions.s25}\r\nContent-Length: ${LIMIT + 1 + i * 1000}\r\nConnection: close\r\n\r\n{}`;
    g.add({ category: 'body over the limit', label: 'content-length over the limit, body never sent', method: 'POST', path: '/mcp', headers: [], raw: { bytes: Buffer.from(head), halfClose: false }, expect: { kind: 'error', names: ['PAYLOAD_TOO_LARGE'], id: null } });
  }
}

function generateOversizedHeaders(g: Generator): void {
  const { rng } = g;
  // 431 comes from node's HTTP parser (llhttp's limit, --max-http-header-size, 16 KiB by
  // default) before the gateway's handler runs; node sends it without a body. It is the
  // server's answer, not the gateway's, so it is the one accepted here.
  for (let i = 0; i < 30; i++) {
    const extra: Pair[] = rng.chance(0.5)
      ? [['x-filler', 'f'.repeat(rng.between(17 * 1024, 40 * 1024))]]
      : Array.from({ length: 300 }, (_, n): Pair => [`x-filler-${n}`, 'f'.repeat(60)]);
    g.add({ category: 'oversized headers', label: 'headers over 16 KiB', method: 'POST', path: '/mcp', headers: g.headers({ extra }), body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: g.id(), method: 'ping' })), expect: { kind: 'node', status: 431 } });
  }
  for (let i = 0; i < 20; i++) {
    const big = 'h'.repeat(rng.between(4 * 1024, 12 * 1024));
    const headers = rng.chance(0.5) ? g.headers({ extra: [['x-filler', big]] }) : g.headers({ session: { raw: big } });
    g.post('oversized headers', 'large headers under the limit', JSON.stringify({ jsonrpc: '2.0', id: g.id(), method: 'ping' }), headers);
  }
}

function generateDuplicates(g: Generator, count: number): void {
  const { rng } = g;
  const { s25, s06, k2 } = g.sessions;
  const variants: ReadonlyArray<{ label: string; headers: () => Pair[] }> = [
    { label: 'x-api-key twice, same key', headers: () => g.headers({ key: 'none', extra: [['x-api-key', 'k1'], ['x-api-key', 'k1']] }) },
    { label: 'x-api-key twice, different keys', headers: () => g.headers({ key: 'none', extra: [['x-api-key', 'k1'], ['x-api-key', 'k2']] }) },
    { label: 'x-api-key twice, one unknown', headers: () => g.headers({ key: 'none', extra: [['x-api-key', 'k1'], ['x-api-key', 'nope']] }) },
    { label: 'authorization twice, different keys', headers: () => g.headers({ key: 'none', extra: [['authorization', 'Bearer k1'], ['authorization', 'Bearer k2']] }) },
    { label: 'authorization twice, same key', headers: () => g.headers({ key: 'none', extra: [['authorization', 'Bearer k1'], ['authorization', 'Api-Key k1']] }) },
    { label: 'mcp-session-id twice, own and foreign', headers: () => g.headers({ session: 'none', extra: [['mcp-session-id', s25], ['mcp-session-id', k2]] }) },
    { label: 'mcp-session-id twice, two own sessions', headers: () => g.headers({ session: 'none', extra: [['mcp-session-id', s06], ['mcp-session-id', s25]] }) },
    { label: 'mcp-session-id twice, own and unknown', headers: () => g.headers({ session: 'none', extra: [['mcp-session-id', s25], ['mcp-session-id', 'x'.repeat(32)]] }) },
    // node keeps the first Content-Type of a request and drops the rest.
    { label: 'content-type twice, json first', headers: () => g.headers({ contentType: null, extra: [['content-type', 'application/json'], ['content-type', 'text/plain']] }) },
    { label: 'content-type twice, json second', headers: () => g.headers({ contentType: null, extra: [['content-type', 'text/plain'], ['content-type', 'application/json']] }) },
    { label: 'accept twice', headers: () => g.headers({ accept: null, extra: [['accept', 'application/json'], ['accept', 'text/event-stream']] }) },
    { label: 'mcp-protocol-version twice', headers: () => g.headers({ extra: [['mcp-protocol-version', '2025-06-18'], ['mcp-protocol-version', '2025-06-18']] }) },
    { label: 'origin twice', headers: () => g.headers({ extra: [['origin', ALLOWED_ORIGIN], ['origin', ALLOWED_ORIGIN]] }) },
  ];
  for (let i = 0; i < count; i++) {
    const variant = variants[i % variants.length]!;
    const body = rng.chance(0.7) ? { jsonrpc: '2.0', id: g.id(), method: 'ping' } : g.plainMessage();
    g.post('duplicated headers', variant.label, JSON.stringify(body), variant.headers());
  }
}

function generateCrlf(g: Generator): void {
  const { rng } = g;
  const variants: ReadonlyArray<{ label: string; line: string }> = [
    { label: 'bare CR in a header value', line: 'X-Api-Key: k1\rX-Injected: 1\r\n' },
    { label: 'bare LF in a header value', line: 'X-Api-Key: k1\nX-Injected: 1\r\n' },
    { label: 'obsolete line folding', line: 'X-Api-Key: k1\r\n X-Injected: 1\r\n' },
    { label: 'NUL in a header value', line: 'X-Api-Key: k1\u0000x\r\n' },
    { label: 'CR in mcp-session-id', line: `X-Api-Key: k1\r\nMcp-Session-Id: ${g.sessions.s25}\rX: y\r\n` },
    { label: 'CR in content-type', line: 'X-Api-Key: k1\r\nContent-Type: application/json\rX: y\r\n' },
    { label: 'CRLF inside a header name', line: 'X-Api-Key: k1\r\nX-Ev\r\nil: 1\r\n' },
  ];
  for (let i = 0; i < 42; i++) {
    const variant = variants[i % variants.length]!;
    const body = JSON.stringify({ jsonrpc: '2.0', id: g.id(), method: 'ping' });
    const bytes = Buffer.from(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: ${BOTH}\r\nMcp-Session-Id: ${g.sessions.s25}\r\n${variant.line}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, 'latin1');
    g.add({ category: 'crlf in headers', label: variant.label, method: 'POST', path: '/mcp', headers: [], raw: { bytes, halfClose: false }, expect: { kind: 'nodeOrError', status: 400 } });
  }
  for (let i = 0; i < 6; i++) {
    // An injected empty line ends the head: an empty POST body, then bytes node cannot parse.
    const bytes = Buffer.from(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nMcp-Session-Id: ${g.sessions.s25}\r\nX-Api-Key: k1\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x${rng.pick(['', '\r\n\r\n'])}`, 'latin1');
    g.add({ category: 'crlf in headers', label: 'CRLF CRLF injected after a header', method: 'POST', path: '/mcp', headers: [], raw: { bytes, halfClose: true }, expect: { kind: 'error', names: ['PARSE_ERROR'], id: null } });
  }
  for (let i = 0; i < 6; i++) {
    // The client stops sending mid-body and half-closes: node or the gateway answers 400.
    const bytes = Buffer.from(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nMcp-Session-Id: ${g.sessions.s25}\r\nX-Api-Key: k1\r\nContent-Length: 500\r\n\r\n{"jsonrpc":"2.0"`, 'latin1');
    g.add({ category: 'crlf in headers', label: 'body shorter than content-length, then half-close', method: 'POST', path: '/mcp', headers: [], raw: { bytes, halfClose: true }, expect: { kind: 'nodeOrError', status: 400 } });
  }
}

function base64url(rng: Rng, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[rng.int(alphabet.length)];
  return text;
}

function generateSessions(g: Generator, count: number): void {
  const { rng } = g;
  const { s25, s06, k2 } = g.sessions;
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify(rng.chance(0.6) ? { jsonrpc: '2.0', id: g.id(), method: 'ping' } : g.plainMessage());
    const flipped = (id: string): string => {
      const at = rng.int(id.length);
      return id.slice(0, at) + (id[at] === 'A' ? 'B' : 'A') + id.slice(at + 1);
    };
    const variants: ReadonlyArray<readonly [string, () => Pair[]]> = [
      ['no session id', () => g.headers({ session: 'none' })],
      ['unknown session id', () => g.headers({ session: { raw: base64url(rng, 32) } })],
      ["k1 presenting k2's session", () => g.headers({ session: 'k2', key: 'k1' })],
      ["k2 presenting k1's session", () => g.headers({ session: rng.pick(['s25', 's06'] as const), key: 'k2' })],
      ['empty session id', () => g.headers({ session: { raw: '' } })],
      ['10 KB session id', () => g.headers({ session: { raw: base64url(rng, 10 * 1024) } })],
      ['session id with one character changed', () => g.headers({ session: { raw: flipped(rng.pick([s25, s06, k2])) } })],
      ['session id in another letter case', () => g.headers({ session: { raw: s25.toUpperCase() === s25 ? s25.toLowerCase() : s25.toUpperCase() } })],
      ['own session id with surrounding spaces', () => g.headers({ session: { raw: ` ${s06}\t` } })],
      ['session id of punctuation', () => g.headers({ session: { raw: `${rng.pick(['../', '%00', '"', ';', '*', '{}', '\\'])}${base64url(rng, 8)}` } })],
    ];
    const [label, headers] = rng.pick(variants);
    g.post('bad and foreign sessions', label, body, headers());
  }
  const bodyless = (label: string, method: string, headers: Pair[], name: GatewayErrorName): void =>
    g.add({ category: 'bad and foreign sessions', label, method, path: '/mcp', headers, expect: { kind: 'error', names: [name], id: null } });
  for (let i = 0; i < 20; i++) {
    bodyless('GET with a foreign session', 'GET', g.headers({ session: 'k2', key: 'k1', accept: 'text/event-stream', contentType: null }), 'SESSION_NOT_FOUND');
    bodyless('GET without a session', 'GET', g.headers({ session: 'none', accept: 'text/event-stream', contentType: null }), 'BAD_REQUEST');
    bodyless('DELETE of a foreign session', 'DELETE', g.headers({ session: rng.pick(['s25', 's06'] as const), key: 'k2', contentType: null }), 'SESSION_NOT_FOUND');
    bodyless('DELETE of an unknown session', 'DELETE', g.headers({ session: { raw: base64url(rng, 32) }, contentType: null }), 'SESSION_NOT_FOUND');
    bodyless('DELETE without a session', 'DELETE', g.headers({ session: 'none', contentType: null }), 'BAD_REQUEST');
  }
}

const BAD_VERSIONS: readonly string[] = ['2024-11-05', '2026-07-29', '2025-06-17', 'latest', '', '2025-6-18', '1', '2025-03-26,2025-06-18', '2025-06-18;q=1', 'null', 'undefined', '-1', '2025-06-18x', 'x'.repeat(10_000), '2025/06/18', '2O25-06-18'];

function generateVersions(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const good = rng.chance(0.3);
    const version = good ? rng.pick([...VERSIONS, ' 2025-06-18 ', '2025-03-26\t']) : rng.pick(BAD_VERSIONS);
    const session = rng.pick(['s25', 's06'] as const);
    const batch = rng.chance(0.25);
    const body = batch ? JSON.stringify([{ jsonrpc: '2.0', id: g.id(), method: 'ping' }, g.plainMessage()]) : JSON.stringify(rng.chance(0.7) ? { jsonrpc: '2.0', id: g.id(), method: 'ping' } : g.plainMessage());
    g.post('protocol versions', `${good ? 'supported' : 'unsupported'} MCP-Protocol-Version${batch ? ', batch' : ''}`, body, g.headers({ session, extra: [['mcp-protocol-version', version]] }));
  }
  for (let i = 0; i < 10; i++) {
    g.add({ category: 'protocol versions', label: 'GET with an unsupported version', method: 'GET', path: '/mcp', headers: g.headers({ session: 's06', accept: 'text/event-stream', contentType: null, extra: [['mcp-protocol-version', rng.pick(BAD_VERSIONS)]] }), expect: { kind: 'error', names: ['UNSUPPORTED_PROTOCOL_VERSION'], id: null } });
  }
}

const CONTENT_TYPES: readonly (string | null)[] = [
  null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json',
  'json', '', 'application/*', '*/*', 'text/json', 'application/vnd.api+json', 'application/json; charset=utf-8', 'APPLICATION/JSON',
  'application/json;', 'application/json ; q=1', 'Application/Json; charset="latin1"', 'text/event-stream',
];
const ACCEPTS: readonly (string | null)[] = [
  null, BOTH, 'text/html', 'application/xml', 'image/*', 'text/plain', 'application/json;q=0', 'application/json;q=0, text/event-stream;q=0',
  '*/*', 'application/*', 'text/*', 'text/event-stream', 'application/json', 'application/json;q=0.5', 'application/json;q=0.0', 'APPLICATION/JSON',
  ',,,', 'application/json-seq', 'text/event-stream;q=0, application/json',
];

function generateAccept(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const contentType = rng.chance(0.5) ? rng.pick(CONTENT_TYPES) : 'application/json';
    const accept = rng.chance(0.5) ? rng.pick(ACCEPTS) : BOTH;
    const forward = rng.chance(0.1);
    const body = forward ? JSON.stringify(g.call()) : JSON.stringify(rng.chance(0.5) ? { jsonrpc: '2.0', id: g.id(), method: 'ping' } : g.refusedMessage());
    g.post('accept and content-type', `content-type ${JSON.stringify(contentType)}, accept ${JSON.stringify(accept)}${forward ? ', forwarded' : ''}`, body, g.headers({ contentType, accept }));
  }
  // The transport rules ask 202 for notifications and responses whatever the Accept.
  for (let i = 0; i < 12; i++) {
    const body = i % 3 === 0 ? { jsonrpc: '2.0', method: 'notifications/initialized' } : i % 3 === 1 ? { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'x', progress: 1 } } : { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'cancel-none' } };
    g.post('accept and content-type', 'notification with accept text/event-stream only', JSON.stringify(body), g.headers({ accept: 'text/event-stream' }));
  }
  for (let i = 0; i < 10; i++) {
    g.add({ category: 'accept and content-type', label: 'GET accepting only JSON', method: 'GET', path: '/mcp', headers: g.headers({ session: 's06', accept: rng.pick(['application/json', 'text/html', 'text/event-stream;q=0']), contentType: null }), expect: { kind: 'error', names: ['NOT_ACCEPTABLE'], id: null } });
  }
}

function generateCredentials(g: Generator, count: number): void {
  const { rng } = g;
  const variants: ReadonlyArray<readonly [string, Pair[]]> = [
    ['no credential', []],
    ['unknown x-api-key', [['x-api-key', 'k3']]],
    ['Basic authorization', [['authorization', 'Basic azE6']]],
    ['Bearer without a token', [['authorization', 'Bearer']]],
    ['Bearer with spaces only', [['authorization', 'Bearer    ']]],
    ['Bearer k1', [['authorization', 'Bearer k1']]],
    ['Api-Key k1', [['authorization', 'Api-Key k1']]],
    ['lower-case scheme, extra spaces', [['authorization', 'bearer    k1']]],
    ['api-key header', [['api-key', 'k1']]],
    ['5000-character key', [['x-api-key', 'k'.repeat(5000)]]],
    ['Bearer k1 and X-API-Key k2', [['authorization', 'Bearer k1'], ['x-api-key', 'k2']]],
    ['Bearer k1 and X-API-Key k1', [['authorization', 'Bearer k1'], ['x-api-key', 'k1']]],
    ['Basic authorization beside a valid X-API-Key', [['authorization', 'Basic azE6'], ['x-api-key', 'k1']]],
    ['x-api-key with surrounding spaces', [['x-api-key', '  k1 ']]],
    ['empty x-api-key', [['x-api-key', '']]],
    ['key k2 on k1 session', [['x-api-key', 'k2']]],
    ['allowed origin', [['x-api-key', 'k1'], ['origin', ALLOWED_ORIGIN]]],
    ['foreign origin', [['x-api-key', 'k1'], ['origin', 'http://evil.example']]],
    ['origin null', [['x-api-key', 'k1'], ['origin', 'null']]],
    ['origin with an explicit port', [['x-api-key', 'k1'], ['origin', 'http://app.example:80']]],
    ['origin in upper case', [['x-api-key', 'k1'], ['origin', 'HTTP://APP.EXAMPLE']]],
  ];
  for (let i = 0; i < count; i++) {
    const [label, pairs] = variants[i % variants.length]!;
    const session = rng.pick(['s25', 's06'] as const);
    const body = JSON.stringify(rng.chance(0.6) ? { jsonrpc: '2.0', id: g.id(), method: 'ping' } : g.plainMessage());
    g.post('credentials and origin', label, body, g.headers({ session, key: 'none', extra: pairs }));
  }
  for (let i = 0; i < 10; i++) {
    g.add({ category: 'credentials and origin', label: 'DELETE without a credential', method: 'DELETE', path: '/mcp', headers: g.headers({ session: 's25', key: 'none', contentType: null }), expect: { kind: 'error', names: ['UNAUTHENTICATED'], id: null } });
  }
}

function batchMember(g: Generator): unknown {
  const { rng } = g;
  switch (rng.int(14)) {
    case 0:
    case 1:
      return { jsonrpc: '2.0', id: g.id(), method: 'ping' };
    case 2:
      return `@raw:{"jsonrpc":"2.0","id":${oddIdToken(g)},"method":"ping"}`;
    case 3:
    case 4:
      return g.call();
    case 5:
      return { jsonrpc: '2.0', id: g.forwardId(), method: 'tools/list' };
    case 6:
      return rng.pick<unknown>([1, 'x', null, true, [], [1], {}, 0, '']);
    case 7: {
      const message = g.plainMessage();
      const field = rng.pick(['jsonrpc', 'method', 'params', 'id']);
      message[field === 'id' && !Object.hasOwn(message, 'id') ? 'params' : field] = rng.pick<unknown>([[], {}, true, 1.5, null, '']);
      return message;
    }
    case 8:
      return { jsonrpc: '2.0', method: 'notifications/initialized' };
    case 9:
      return { jsonrpc: '2.0', method: 'notifications/foo' };
    case 10:
      return { jsonrpc: '2.0', id: g.id(), result: { x: 1 } };
    case 11:
      return g.refusedMessage();
    case 12:
      return { jsonrpc: '2.0', id: g.id(), method: 'logging/setLevel', params: { level: 'info' } };
    default:
      return g.plainMessage();
  }
}

function generateBatches(g: Generator, count: number): void {
  const { rng } = g;
  for (let i = 0; i < count; i++) {
    const size = rng.chance(0.02) ? rng.between(30, 80) : rng.between(1, 8);
    const members = Array.from({ length: size }, () => batchMember(g));
    if (rng.chance(0.03)) members.splice(rng.int(members.length + 1), 0, { jsonrpc: '2.0', id: g.id(), method: 'initialize', params: INITIALIZE_PARAMS });
    const roll = rng.int(20);
    // A notifications-only batch with SSE-only Accept is the accept category's business: give it an answer.
    if (roll === 15) members.push({ jsonrpc: '2.0', id: g.id(), method: 'ping' });
    const body = withRaw(members);
    const [label, headers] =
      roll < 15
        ? ['mixed batch in a 2025-03-26 session', g.headers({ session: 's25', accept: rng.pick([BOTH, BOTH, 'application/json']) })]
        : roll < 16
          ? ['mixed batch accepting only SSE', g.headers({ session: 's25', accept: 'text/event-stream' })]
          : roll < 18
            ? ['batch in a 2025-06-18 session', g.headers({ session: 's06' })]
            : roll < 19
              ? ['batch with MCP-Protocol-Version 2025-06-18', g.headers({ session: 's25', extra: [['mcp-protocol-version', '2025-06-18']] })]
              : ['batch with MCP-Protocol-Version 2025-03-26 in a 2025-06-18 session', g.headers({ session: 's06', extra: [['mcp-protocol-version', '2025-03-26']] })];
    g.post('batches', label, body, headers);
  }
  g.post('batches', 'empty batch', '[]', g.headers({ session: 's25' }));
  g.post('batches', 'batch of empty batches', '[[],[]]', g.headers({ session: 's25' }));
}

function generateHttp(g: Generator): void {
  const { rng } = g;
  const ping = (): Buffer => Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: g.id(), method: 'ping' }));
  for (let i = 0; i < 60; i++) {
    const method = rng.pick(['PUT', 'PATCH', 'OPTIONS', 'PROPFIND', 'PURGE']);
    g.add({ category: 'http methods and paths', label: `${method} /mcp`, method, path: '/mcp', headers: g.headers(), expect: { kind: 'error', names: ['METHOD_NOT_ALLOWED'], id: null } });
  }
  for (let i = 0; i < 10; i++) {
    // llhttp knows only registered method names: node refuses the rest with a bare 400 itself.
    g.add({ category: 'http methods and paths', label: 'unknown method name', method: rng.pick(['FOO', 'BREW', 'GETX']), path: '/mcp', headers: g.headers(), expect: { kind: 'node', status: 400 } });
  }
  for (let i = 0; i < 10; i++) {
    g.add({ category: 'http methods and paths', label: 'HEAD /mcp', method: 'HEAD', path: '/mcp', headers: g.headers(), expect: { kind: 'status', status: 405 } });
  }
  const paths = ['/mcp/', '/MCP', '//mcp', '/mcp%00', '/mcp/..', '/x', '/mcp;x', '/mcp%2F', '/healthz/x', '/%2e%2e/mcp', '/mcp#frag', '/mcp/%2e%2e/mcp', `/${'a'.repeat(8000)}`];
  for (let i = 0; i < 100; i++) {
    const path = rng.pick(paths);
    g.add({ category: 'http methods and paths', label: `POST to another path`, method: 'POST', path, headers: g.headers(), body: ping(), expect: { kind: 'error', names: ['NOT_FOUND'], id: null } });
  }
  for (let i = 0; i < 40; i++) {
    g.post('http methods and paths', 'endpoint with a query string', ping(), g.headers(), { path: rng.pick(['/mcp?', '/mcp?x=1', '/mcp?a=%00&b=%ZZ', '/mcp?session=1#x']) });
  }
}

function generateInitialize(g: Generator): void {
  const { rng } = g;
  const init = (params: unknown, id: JsonRpcId = g.id()): string => withRaw(params === undefined ? { jsonrpc: '2.0', id, method: 'initialize' } : { jsonrpc: '2.0', id, method: 'initialize', params });
  const params = (version: string) => ({ ...INITIALIZE_PARAMS, protocolVersion: version });
  for (let i = 0; i < 40; i++) {
    const key = rng.pick(['k1', 'k2'] as const);
    const version = rng.pick([...VERSIONS, '1999-01-01', '2099-12-31', '']);
    g.post('initialize', 'valid initialize', init(params(version)), g.headers({ session: 'none', key, accept: rng.pick([BOTH, 'application/json', 'text/event-stream']) }), { followUp: i < 15 });
  }
  for (let i = 0; i < 20; i++) g.post('initialize', 'initialize with a session id', init(params('2025-06-18')), g.headers({ session: rng.pick(['s25', 's06', 'k2'] as const) }));
  for (let i = 0; i < 15; i++) {
    g.post('initialize', 'initialize inside a batch', JSON.stringify([{ jsonrpc: '2.0', id: g.id(), method: 'initialize', params: INITIALIZE_PARAMS }, g.plainMessage()]), g.headers({ session: rng.pick(['none', 's25'] as const) }));
  }
  for (let i = 0; i < 15; i++) g.post('initialize', 'initialize without a valid key', init(params('2025-06-18')), g.headers({ session: 'none', key: 'none', extra: rng.chance(0.5) ? [['x-api-key', 'nope']] : [] }));
  for (let i = 0; i < 10; i++) g.post('initialize', 'initialize with an unsupported version header', init(params('2025-06-18')), g.headers({ session: 'none', extra: [['mcp-protocol-version', rng.pick(BAD_VERSIONS)]] }));
  const broken: readonly unknown[] = [
    undefined,
    {},
    { capabilities: {}, clientInfo: { name: 'a', version: '1' } },
    { protocolVersion: 20250618, capabilities: {}, clientInfo: { name: 'a', version: '1' } },
    { protocolVersion: '2025-06-18', clientInfo: { name: 'a', version: '1' } },
    { protocolVersion: '2025-06-18', capabilities: [], clientInfo: { name: 'a', version: '1' } },
    { protocolVersion: '2025-06-18', capabilities: 'all', clientInfo: { name: 'a', version: '1' } },
    { protocolVersion: '2025-06-18', capabilities: {} },
    { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: 'me' },
    { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { version: '1' } },
  ];
  for (let i = 0; i < 30; i++) {
    // Refusing them is right; so is leniency, if the session then works (the upstream gets a valid initialize).
    const id = g.id();
    g.post('initialize', 'initialize with missing or mistyped params', init(broken[i % broken.length], id), g.headers({ session: 'none' }), { or: [{ kind: 'init', id, key: 'k1', followUp: true }] });
  }
  for (let i = 0; i < 10; i++) g.post('initialize', 'initialize with params that are not an object', init(rng.pick<unknown>([[], ['2025-06-18'], 'x', 1, null])), g.headers({ session: 'none' }));
}

function generateCampaign(sessions: Sessions): Case[] {
  const g = new Generator(sessions);
  generateMalformed(g, 1500);
  generateTruncated(g, 800);
  generateWrongTypes(g, 1500);
  generateOddIds(g, 1000);
  generateDeep(g, 7);
  generatePrototype(g, 800);
  generateUtf8(g, 800);
  generateOverLimit(g);
  generateOversizedHeaders(g);
  generateDuplicates(g, 403);
  generateCrlf(g);
  generateSessions(g, 700);
  generateVersions(g, 500);
  generateAccept(g, 800);
  generateCredentials(g, 504);
  generateBatches(g, 1100);
  generateHttp(g);
  generateInitialize(g);
  return g.cases;
}

// ---------------------------------------------------------------------------------------------
// Sending

interface Observed {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Set when no HTTP answer came: a client error or a hang. */
  failure?: string;
}

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

// ---------------------------------------------------------------------------------------------
// Checking

const TABLE = Object.entries(GATEWAY_ERRORS) as Array<[GatewayErrorName, (typeof GATEWAY_ERRORS)[GatewayErrorName]]>;
/** code -> status, from the one error table. */
const STATUS_OF_CODE = new Map<number, number>(TABLE.map(([, entry]) => [entry.code, entry.status]));

/** The JSON-RPC messages of an answer: one object, a batch array, or the events of a stream. */
function messagesOf(o: Observed): { messages: unknown[]; array: boolean } | string {
  if (o.text === '') return { messages: [], array: false };
  const type = (o.headers['content-type'] ?? '').split(';', 1)[0]!.trim();
  try {
    if (type === 'application/json') {
      const value: unknown = JSON.parse(o.text);
      return Array.isArray(value) ? { messages: value as unknown[], array: true } : { messages: [value], array: false };
    }
    if (type === 'text/event-stream') {
      const messages = o.text
        .split(/\r?\n\r?\n/)
        .map((block) => block.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n'))
        .filter((data) => data !== '')
        .map((data) => JSON.parse(data) as unknown);
      return { messages, array: false };
    }
  } catch {
    return `body is not JSON: ${o.text.slice(0, 120)}`;
  }
  return `body of type "${type}" is not JSON-RPC: ${o.text.slice(0, 120)}`;
}

/** Every message must be a JSON-RPC 2.0 success or an error whose code is in the table. */
function shapeProblem(message: unknown): string | undefined {
  if (!isObject(message) || own(message, 'jsonrpc') !== '2.0') return `not a JSON-RPC 2.0 message: ${JSON.stringify(message).slice(0, 160)}`;
  const id = own(message, 'id');
  if (Object.hasOwn(message, 'error')) {
    const error = own(message, 'error');
    if (id !== null && typeof id !== 'string' && typeof id !== 'number') return `error id is ${JSON.stringify(id)}`;
    if (!isObject(error) || !Number.isInteger(own(error, 'code')) || typeof own(error, 'message') !== 'string') return `malformed error object ${JSON.stringify(error)}`;
    if (!STATUS_OF_CODE.has(own(error, 'code') as number)) return `error code ${String(own(error, 'code'))} is not in the error table`;
    return undefined;
  }
  if (!Object.hasOwn(message, 'result') || (typeof id !== 'string' && typeof id !== 'number')) return `neither a result nor an error: ${JSON.stringify(message).slice(0, 160)}`;
  return undefined;
}

const errorOf = (message: unknown): { code: number; message: string } | undefined => {
  if (!isObject(message)) return undefined;
  const error = own(message, 'error');
  return isObject(error) ? { code: own(error, 'code') as number, message: own(error, 'message') as string } : undefined;
};

function matchesMember(message: unknown, member: Member): boolean {
  if (!isObject(message) || !sameId(own(message, 'id'), member.id)) return false;
  if ('error' in member) {
    const entry = GATEWAY_ERRORS[member.error];
    const error = errorOf(message);
    return error !== undefined && error.code === entry.code && error.message.startsWith(entry.message);
  }
  return Object.hasOwn(message, 'result') && member.check(own(message, 'result'));
}

const HEADERS_OF_ERROR: Partial<Record<GatewayErrorName, string>> = {
  UNAUTHENTICATED: 'www-authenticate',
  INVALID_CREDENTIALS: 'www-authenticate',
  AMBIGUOUS_CREDENTIALS: 'www-authenticate',
  METHOD_NOT_ALLOWED: 'allow',
  PAYLOAD_TOO_LARGE: 'connection',
};

/** The expectation the answer meets (one of an `either`), if any. */
function metBy(c: Case, o: Observed): Expected | undefined {
  const options = c.expect.kind === 'either' ? c.expect.options : [c.expect];
  return options.find((option) => problemWith({ ...c, expect: option }, o) === undefined);
}

/** Why the answer is wrong, or undefined when it is the expected one. */
function problemWith(c: Case, o: Observed): string | undefined {
  if (c.expect.kind === 'either') {
    const problems = c.expect.options.map((option) => problemWith({ ...c, expect: option }, o));
    return problems.includes(undefined) ? undefined : problems[0];
  }
  if (o.failure) return o.failure;
  if (o.status >= 500) return `HTTP ${o.status}: a 5xx for client input`;
  const read = messagesOf(o);
  if (typeof read === 'string') return read;
  for (const message of read.messages) {
    const problem = shapeProblem(message);
    if (problem) return problem;
  }
  const single = !read.array && read.messages.length === 1 ? read.messages[0] : undefined;
  const singleError = errorOf(single);
  // A lone error answer carries the HTTP status its code has in the table.
  if (singleError && o.status !== 200 && STATUS_OF_CODE.get(singleError.code) !== o.status) return `code ${singleError.code} sent with HTTP ${o.status}, the table says ${String(STATUS_OF_CODE.get(singleError.code))}`;

  const e = c.expect;
  switch (e.kind) {
    case 'error': {
      const name = e.names.find((n) => GATEWAY_ERRORS[n].code === singleError?.code);
      if (!name || !isObject(single)) return 'expected this error';
      const entry = GATEWAY_ERRORS[name];
      if (o.status !== entry.status) return 'expected this error';
      if (!singleError!.message.startsWith(entry.message)) return `message "${singleError!.message}" does not start with "${entry.message}"`;
      if (!sameId(own(single, 'id'), e.id)) return `id ${JSON.stringify(own(single, 'id'))?.slice(0, 40)} instead of ${JSON.stringify(e.id)?.slice(0, 40)}`;
      const header = HEADERS_OF_ERROR[name];
      if (header && o.headers[header] === undefined) return `no ${header} header`;
      return undefined;
    }
    case 'result': {
      if (o.status !== 200 || read.array || read.messages.length !== 1) return 'expected one success';
      return matchesMember(read.messages[0], e) ? undefined : 'expected this success';
    }
    case 'init': {
      const answer = read.messages[0];
      if (o.status !== 200 || read.messages.length !== 1 || !o.headers['mcp-session-id'] || !isObject(answer) || !sameId(own(answer, 'id'), e.id)) return 'expected an initialize result with a session';
      const result = own(answer, 'result');
      const info = isObject(result) ? own(result, 'serverInfo') : undefined;
      return isObject(info) && own(info, 'name') === 'mcp-gateway' ? undefined : 'expected the gateway serverInfo';
    }
    case 'accepted':
      return o.status === 202 && o.text === '' ? undefined : 'expected 202 with no body';
    case 'acceptedOrError': {
      if (o.status === 202 && o.text === '') return undefined;
      const entry = GATEWAY_ERRORS[e.name];
      return singleError?.code === entry.code && o.status === entry.status && isObject(single) && own(single, 'id') === null && singleError.message.startsWith(entry.message) ? undefined : `expected 202 or ${e.name}`;
    }
    case 'batch': {
      if (o.status !== 200) return 'expected 200 with one answer per member';
      const open = [...e.members];
      for (const message of read.messages) {
        const at = open.findIndex((member) => matchesMember(message, member));
        if (at === -1) return `unexpected member answer ${JSON.stringify(message).slice(0, 160)}`;
        open.splice(at, 1);
      }
      return open.length === 0 ? undefined : `${open.length} member(s) unanswered, e.g. ${describeMember(open[0]!)}`;
    }
    case 'node':
    case 'status':
      return o.status === e.status && o.text === '' ? undefined : `expected HTTP ${e.status} with no body`;
    case 'nodeOrError':
      if (o.status === e.status && o.text === '') return undefined;
      return singleError && o.status >= 400 && o.status < 500 ? undefined : `expected node's ${e.status} or a 4xx JSON-RPC error`;
  }
}

function describeMember(member: Member): string {
  return 'error' in member ? `${member.error}(id ${JSON.stringify(member.id)?.slice(0, 30)})` : `${member.what}(id ${JSON.stringify(member.id).slice(0, 30)})`;
}

function describeExpected(e: Expected): string {
  switch (e.kind) {
    case 'error':
      return `${e.names.map((n) => `${GATEWAY_ERRORS[n].status} ${GATEWAY_ERRORS[n].code} ${n}`).join(' or ')}, id ${JSON.stringify(e.id)?.slice(0, 40)}`;
    case 'result':
      return `200 ${e.what}, id ${JSON.stringify(e.id).slice(0, 40)}`;
    case 'init':
      return `200 initialize result with Mcp-Session-Id${e.followUp ? ', then a working tools/call' : ''}`;
    case 'accepted':
      return '202 Accepted, no body';
    case 'acceptedOrError':
      return `202 Accepted, or ${GATEWAY_ERRORS[e.name].status} ${GATEWAY_ERRORS[e.name].code} ${e.name} with id null`;
    case 'batch':
      return `200 with ${e.members.length} answers: ${e.members.slice(0, 6).map(describeMember).join(', ')}${e.members.length > 6 ? ', …' : ''}`;
    case 'node':
    case 'status':
      return `HTTP ${e.status}, no body`;
    case 'nodeOrError':
      return `node's bare ${e.status} or a 4xx JSON-RPC error`;
    case 'either':
      return e.options.map(describeExpected).join('  OR  ');
  }
}

function describeInput(c: Case): string {
  if (c.raw) return `raw ${JSON.stringify(c.raw.bytes.toString('latin1').replace(/Mcp-Session-Id: [\w-]+/, 'Mcp-Session-Id: <session>').slice(0, 220))}`;
  const headers = c.headers
    .filter(([name, value]) => !(name === 'content-type' && value === 'application/json') && !(name === 'accept' && value === BOTH))
    .map(([name, value]) => `${name}: ${known.has(value) ? `<${known.get(value)!.owner} ${known.get(value)!.version} session>` : value.length > 40 ? `${value.slice(0, 20)}…(${value.length})` : value}`);
  const body = c.chunks ? Buffer.concat(c.chunks) : (c.body ?? Buffer.alloc(0));
  const shown = body.length > 220 ? `${JSON.stringify(body.subarray(0, 200).toString('latin1'))}…(${body.length} bytes${c.chunks ? ', chunked' : ''})` : JSON.stringify(body.toString('latin1'));
  return `${c.method} ${c.path.length > 60 ? `${c.path.slice(0, 40)}…` : c.path} [${headers.join('; ')}] ${shown}`;
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

function options(upstreamUrl: string): GatewayOptions {
  return {
    server: { maxBodyBytes: LIMIT, allowedOrigins: [ALLOWED_ORIGIN] },
    auth: {
      apiKeys: [
        { id: 'k1', key: 'k1', tenant: 't', client: 'c1' },
        { id: 'k2', key: 'k2', tenant: 't', client: 'c2' },
      ],
    },
    // High enough that no generated request is rate limited.
    rateLimit: { defaultRpm: 100_000_000 },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['up.*'], resources: ['*'], prompts: ['*'] }, deny: { methods: ['logging/*'], tools: ['up.slow', 'up.sample'] } }] },
    upstreams: [{ name: 'up', url: upstreamUrl }],
    routing: [{ match: { method: 'tools/*' }, upstream: 'up' }],
  };
}

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

// ---------------------------------------------------------------------------------------------
// Slow clients against the CLI's server timeouts

describe('slow clients', () => {
  let slowUpstream: UpstreamFixture;
  let gateway: Gateway;
  let server: Server;
  let port: number;
  const slowErrors: string[] = [];
  const slowLogger: GatewayLogger = { error: (message) => slowErrors.push(message), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const TIMEOUTS = { headersTimeout: 1000, requestTimeout: 1500, keepAliveTimeout: 5000, connectionsCheckingInterval: 200 };

  beforeAll(async () => {
    slowUpstream = await startUpstream({ name: 'up', jsonResponse: true });
    gateway = createGateway(options(slowUpstream.url), { logger: slowLogger });
    server = createGatewayServer(gateway, TIMEOUTS);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await gateway.close();
    await closed;
    await slowUpstream.close();
  });

  /** Writes `head`, then `drip` one byte every `everyMs`; resolves when the server ends it (bounded). */
  function dribble(head: string, drip: string, everyMs: number): Promise<{ ms: number; answer: string; closed: boolean }> {
    return new Promise((resolve) => {
      const started = performance.now();
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      const finish = (closed: boolean): void => {
        clearInterval(timer);
        clearTimeout(limit);
        socket.destroy();
        resolve({ ms: performance.now() - started, answer, closed });
      };
      const timer = setInterval(() => {
        if (sent < drip.length && socket.writable) socket.write(drip[sent++]!);
      }, everyMs);
      // Never wait past 5 s: a server that does not cut the client fails the test, it does not hang it.
      const limit = setTimeout(() => finish(false), 5_000);
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => finish(true));
      socket.write(head);
    });
  }

  it('cuts off a slowloris client sending its headers a byte every 100 ms', async () => {
    const result = await dribble('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', `X-Slow: ${'a'.repeat(200)}\r\n`, 100);
    expect(result.closed).toBe(true);
    expect(result.ms).toBeLessThan(2_000);
    // node answers 408 when it can still write; a plain close is also a cut-off.
    if (result.answer !== '') expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a body dribbled a byte every 200 ms with 408', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS });
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: ${BOTH}\r\nX-Api-Key: k1\r\nContent-Length: ${body.length}\r\n\r\n`;
    const sessions = gateway.sessionCount;
    const result = await dribble(head, body, 200);
    expect(result.closed).toBe(true);
    expect(result.ms).toBeLessThan(2_500);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(gateway.sessionCount).toBe(sessions);
  });

  it('still answers a prompt client on the same server', async () => {
    const answer = await post(`http://127.0.0.1:${port}/mcp`, { jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS }, { 'x-api-key': 'k1', accept: 'application/json' });
    expect(answer.status).toBe(200);
    expect(slowErrors).toEqual([]);
  });
});
