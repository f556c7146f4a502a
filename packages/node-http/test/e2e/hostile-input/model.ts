/**
 * The model of the hostile-input campaign (campaign.test.ts): what the documented rules call for
 * in answer to each generated input, and whether an observed answer is it.
 *
 * Expectations come from docs/errors.md and docs/data-plane.md (plus the MCP transport rules and
 * node's documented header handling), modelled here independently of the gateway's code, so a
 * wrong code, status or id is a failure rather than "some error". The gateway they describe is
 * the one `options` configures.
 */
import { Buffer } from 'node:buffer';
import { GATEWAY_ERRORS, type GatewayErrorName, type GatewayOptions, type JsonRpcId } from '@gw/core';

export const LIMIT = 64 * 1024;
export const BOTH = 'application/json, text/event-stream';
export const ALLOWED_ORIGIN = 'http://app.example';
export const VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];

export type Key = 'k1' | 'k2';
export type Pair = readonly [string, string];

// ---------------------------------------------------------------------------------------------
// What a case expects

/** One answer inside a batch. */
export type Member = { id: JsonRpcId | null; error: GatewayErrorName } | { id: JsonRpcId; what: string; check: (result: unknown) => boolean };

export type Expected =
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

export interface Case {
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

export const CATEGORIES = [
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
export type Category = (typeof CATEGORIES)[number];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const own = (value: Record<string, unknown>, key: string): unknown => (Object.hasOwn(value, key) ? value[key] : undefined);
const readableId = (value: unknown): JsonRpcId | null => (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : null);
// === on purpose: an id of -0 comes back as 0, which is the same JSON-RPC id.
const sameId = (a: unknown, b: unknown): boolean => a === b;

export const emptyResult = (result: unknown): boolean => isObject(result) && Object.keys(result).length === 0;
export const textResult = (text: string) => (result: unknown): boolean => {
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
export const known = new Map<string, { owner: Key; version: string }>();

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

/** The names the routing and policy of the gateway of `options` (below) decide on. */
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
export function modelPost(headers: readonly Pair[], body: Buffer): Expected {
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
// The gateway the model describes

export function options(upstreamUrl: string): GatewayOptions {
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

// ---------------------------------------------------------------------------------------------
// Checking an answer against the model

/** What came back for one case. */
export interface Observed {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Set when no HTTP answer came: a client error or a hang. */
  failure?: string;
}

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
export function metBy(c: Case, o: Observed): Expected | undefined {
  const options = c.expect.kind === 'either' ? c.expect.options : [c.expect];
  return options.find((option) => problemWith({ ...c, expect: option }, o) === undefined);
}

/** Why the answer is wrong, or undefined when it is the expected one. */
export function problemWith(c: Case, o: Observed): string | undefined {
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

export function describeExpected(e: Expected): string {
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

export function describeInput(c: Case): string {
  if (c.raw) return `raw ${JSON.stringify(c.raw.bytes.toString('latin1').replace(/Mcp-Session-Id: [\w-]+/, 'Mcp-Session-Id: <session>').slice(0, 220))}`;
  const headers = c.headers
    .filter(([name, value]) => !(name === 'content-type' && value === 'application/json') && !(name === 'accept' && value === BOTH))
    .map(([name, value]) => `${name}: ${known.has(value) ? `<${known.get(value)!.owner} ${known.get(value)!.version} session>` : value.length > 40 ? `${value.slice(0, 20)}…(${value.length})` : value}`);
  const body = c.chunks ? Buffer.concat(c.chunks) : (c.body ?? Buffer.alloc(0));
  const shown = body.length > 220 ? `${JSON.stringify(body.subarray(0, 200).toString('latin1'))}…(${body.length} bytes${c.chunks ? ', chunked' : ''})` : JSON.stringify(body.toString('latin1'));
  return `${c.method} ${c.path.length > 60 ? `${c.path.slice(0, 40)}…` : c.path} [${headers.join('; ')}] ${shown}`;
}
