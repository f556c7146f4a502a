import { deny, type Denial, type JsonRpcErrorObject, type JsonRpcId } from './errors.js';
import { extend } from './extend.js';

/** The params of an MCP request or notification: always an object when present. */
export type JsonRpcParams = Record<string, unknown>;

/** A JSON-RPC request: expects an answer. */
export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: JsonRpcParams;
}

/** A JSON-RPC notification: no id, no answer. */
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: JsonRpcParams;
}

/** A JSON-RPC response: the client's answer to a server-to-client request. */
export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId | null; error: JsonRpcErrorObject };

/**
 * One validated message from a client, with the parts every later decision reads lifted out so
 * nothing downstream inspects the raw object again.
 */
export type ClientMessage =
  | { kind: 'request'; id: JsonRpcId; method: string; params: JsonRpcParams | undefined; message: JsonRpcRequest }
  | { kind: 'notification'; method: string; params: JsonRpcParams | undefined; message: JsonRpcNotification }
  | { kind: 'response'; id: JsonRpcId | null; message: JsonRpcResponse };

/** The outcome of validating one message: the message, or a denial carrying the id if readable. */
export type MessageResult =
  | { ok: true; message: ClientMessage }
  | (Denial & { id: JsonRpcId | null });

/** The outcome of parsing a body: each message decided on its own, or one error for the whole body. */
export type EnvelopeResult =
  | { ok: true; batch: boolean; items: MessageResult[] }
  | (Denial & { id: null });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function invalid(id: JsonRpcId | null, detail: string): MessageResult {
  return extend(deny('INVALID_REQUEST', detail), { id });
}

/**
 * Validates one JSON value as a JSON-RPC 2.0 message a client may send over MCP: a request
 * (string or finite-number id, never null), a notification, or a response to a server request.
 * Params must be an object when present (MCP never uses positional params).
 */
export function validateMessage(value: unknown): MessageResult {
  if (!isRecord(value)) return invalid(null, 'a message must be a JSON object');
  const hasId = Object.hasOwn(value, 'id');
  const rawId = value['id'];
  const id = isValidId(rawId) ? rawId : null;
  if (value['jsonrpc'] !== '2.0') return invalid(id, 'jsonrpc must be "2.0"');

  if (Object.hasOwn(value, 'method')) {
    const method = value['method'];
    if (typeof method !== 'string' || method.length === 0) {
      return invalid(id, 'method must be a non-empty string');
    }
    if (Object.hasOwn(value, 'result') || Object.hasOwn(value, 'error')) {
      return invalid(id, 'a request cannot carry result or error');
    }
    const params = value['params'];
    if (params !== undefined && !isRecord(params)) return invalid(id, 'params must be an object');
    if (!hasId) {
      return { ok: true, message: { kind: 'notification', method, params, message: value as unknown as JsonRpcNotification } };
    }
    if (!isValidId(rawId)) return invalid(null, 'id must be a string or a finite number');
    return { ok: true, message: { kind: 'request', id: rawId, method, params, message: value as unknown as JsonRpcRequest } };
  }

  const hasResult = Object.hasOwn(value, 'result');
  const hasError = Object.hasOwn(value, 'error');
  if (!hasResult && !hasError) return invalid(id, 'a message needs a method, a result or an error');
  if (hasResult && hasError) return invalid(id, 'a response cannot carry both result and error');
  if (!hasId) return invalid(null, 'a response needs an id');
  if (hasResult) {
    if (!isValidId(rawId)) return invalid(null, 'id must be a string or a finite number');
    return { ok: true, message: { kind: 'response', id: rawId, message: value as unknown as JsonRpcResponse } };
  }
  if (rawId !== null && !isValidId(rawId)) return invalid(null, 'id must be a string, a finite number or null');
  const error = value['error'];
  if (!isRecord(error) || !Number.isInteger(error['code']) || typeof error['message'] !== 'string') {
    return invalid(id, 'error must be an object with an integer code and a string message');
  }
  return { ok: true, message: { kind: 'response', id, message: value as unknown as JsonRpcResponse } };
}

/**
 * Validates an already-parsed JSON body (e.g. from a host framework's body parser): a single
 * message or a non-empty batch. Batch members are validated one by one, as JSON-RPC requires.
 */
export function parseEnvelope(value: unknown, maxBatchMessages = Infinity): EnvelopeResult {
  return validateEnvelope(value, validateBoundedMessage, maxBatchMessages);
}

function validateEnvelope(value: unknown, validate: (value: unknown) => MessageResult, maxBatchMessages: number): EnvelopeResult {
  if (Array.isArray(value)) {
    if (value.length === 0) return extend(deny('INVALID_REQUEST', 'an empty batch is not a message'), { id: null });
    // Refused before any member is validated: each would be decided, counted and audited.
    if (value.length > maxBatchMessages) {
      return extend(deny('BATCH_TOO_LARGE', `the batch holds ${value.length} messages; at most ${maxBatchMessages} are taken (server.maxBatchMessages)`, { data: { maxBatchMessages } }), { id: null });
    }
    return { ok: true, batch: true, items: value.map(validate) };
  }
  return { ok: true, batch: false, items: [validate(value)] };
}

/**
 * How deep a message may nest (arrays and objects). MCP messages stay far shallower; the bound
 * keeps a hostile body from overflowing the stack wherever a message is serialized again.
 */
export const MAX_JSON_DEPTH = 128;

/** Whether JSON text nests deeper than `limit`, by one pass over its brackets outside strings. */
function textNestsDeeper(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** The same for an already-parsed value (from a host framework's body parser). */
function valueNestsDeeper(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (valueNestsDeeper(item, limit - 1)) return true;
  }
  return false;
}

/** validateMessage, plus the depth bound: a message nesting too deep is refused with its id. */
function validateBoundedMessage(value: unknown): MessageResult {
  if (!valueNestsDeeper(value, MAX_JSON_DEPTH)) return validateMessage(value);
  // Only a request's id is answered; a response's id belongs to the server that asked.
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const rawId = record && Object.hasOwn(record, 'method') ? record['id'] : undefined;
  return invalid(isValidId(rawId) ? rawId : null, `the message nests deeper than ${MAX_JSON_DEPTH} levels`);
}

/** What parseBody needs to turn bytes into text; a TextDecoder is one. */
export interface BodyDecoder {
  decode(input: Uint8Array): string;
}

/** A UTF-8 decoder that rejects invalid byte sequences instead of replacing them. */
export function createBodyDecoder(): BodyDecoder {
  return new TextDecoder('utf-8', { fatal: true });
}

/**
 * Parses a request body once: bytes are decoded as strict UTF-8, then JSON, then validated.
 * Never throws; every failure is a denial (-32700 for bytes that are not JSON).
 */
export function parseBody(body: string | Uint8Array, decoder: BodyDecoder = createBodyDecoder(), maxBatchMessages = Infinity): EnvelopeResult {
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else {
    try {
      text = decoder.decode(body);
    } catch {
      return extend(deny('PARSE_ERROR', 'the body is not valid UTF-8'), { id: null });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return extend(deny('PARSE_ERROR', 'the body is not valid JSON'), { id: null });
  }
  // The text scan is the cheap test; only a body that fails it is walked message by message.
  // Valid JSON closes every bracket it opens, so text shorter than twice the bound cannot nest past it.
  const deep = text.length > 2 * MAX_JSON_DEPTH && textNestsDeeper(text, MAX_JSON_DEPTH);
  return validateEnvelope(value, deep ? validateBoundedMessage : validateMessage, maxBatchMessages);
}
