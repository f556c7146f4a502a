/**
 * The generator of the hostile-input campaign (campaign.test.ts): more than 10,000 requests from a
 * seeded PRNG, so every run sends the same inputs, each classified as it is made with the answer
 * the model (model.ts) calls for.
 */
import { Buffer } from 'node:buffer';
import type { GatewayErrorName, JsonRpcId } from '@gw/core';
import { INITIALIZE_PARAMS } from '../../support/gateway.js';
import { Rng } from '../../support/rng.js';
import {
  ALLOWED_ORIGIN,
  BOTH,
  emptyResult,
  LIMIT,
  modelPost,
  VERSIONS,
  type Case,
  type Category,
  type Expected,
  type Key,
  type Member,
  type Pair,
} from './model.js';

export const SEED = 0x5eed_c0de;
const DEEP = 10_000;

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
// Generating the campaign

export interface Sessions {
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

export function generateCampaign(sessions: Sessions): Case[] {
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
