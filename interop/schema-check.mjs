// Holds every message the gateway sent, as the tap recorded it, to the JSON Schema of the protocol
// revision spoken on that hop (schemas/<revision>.json, the MCP specification's own): answers and
// server messages towards a client, requests, notifications and answers towards an upstream. A
// message the gateway sends must be one that any correct peer accepts, not only the ones the
// peers at hand tolerate. Messages the gateway passes on unchanged are checked too: the client
// receives them from the gateway. Towards a 2026-07-28 client, two rules of the revision's text
// that its schema cannot say are checked as well (statelessRules).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const Ajv2020 = createRequire(import.meta.url)('ajv/dist/2020').default;

/** The revisions with a schema here; another one on a hop is reported as not checked. */
export const CHECKED_REVISIONS = ['2025-11-25', '2026-07-28'];

/** revision → { defs, byMethod, validate(defName, value) → error texts } */
function loadSchemas() {
  const schemas = new Map();
  for (const revision of CHECKED_REVISIONS) {
    const schema = JSON.parse(readFileSync(join(here, 'schemas', `${revision}.json`), 'utf8'));
    // Formats (uri, byte) are not the wire's concern here; strict off: the schema uses keywords
    // ajv does not know (descriptions in odd places, tsType hints).
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
    ajv.addSchema(schema, revision);
    const byMethod = new Map();
    for (const [name, def] of Object.entries(schema.$defs)) {
      const method = def?.properties?.method?.const;
      if (typeof method === 'string') byMethod.set(method, name);
    }
    schemas.set(revision, {
      defs: schema.$defs,
      byMethod,
      validate(defName, value) {
        const validate = ajv.getSchema(`${revision}#/$defs/${defName}`);
        if (!validate) return [`the schema has no ${defName}`];
        return validate(value) ? [] : validate.errors.map((e) => `${e.instancePath || '(top)'} ${e.message}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''}`);
      },
    });
  }
  return schemas;
}

const schemas = loadSchemas();

/** The JSON-RPC messages of a body: one JSON value (or a batch), or the data of each SSE event. */
export function messagesOf(body, contentType) {
  if (!body) return [];
  const texts = (contentType ?? '').includes('text/event-stream')
    ? body.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).filter(Boolean)
    : [body];
  const messages = [];
  for (const text of texts) {
    try {
      const value = JSON.parse(text);
      messages.push(...(Array.isArray(value) ? value : [value]));
    } catch {
      // not JSON (an SSE comment's data, a plain-text error page): not a message
    }
  }
  return messages.filter((m) => m && typeof m === 'object');
}

/**
 * The schema's name for what answers `method`: `<X>Request` is answered by `<X>Result`, and a
 * 2026-07-28 result that asks for input is an InputRequiredResult.
 */
function resultDefFor(schema, method, result) {
  if (result?.resultType === 'input_required' && schema.defs.InputRequiredResult) return 'InputRequiredResult';
  const request = schema.byMethod.get(method);
  const named = request?.replace(/Request$/, 'Result');
  if (named && schema.defs[named]) return named;
  if (method === 'ping' || method === 'notifications/initialized') return 'EmptyResult';
  return 'Result';
}

/**
 * Checks the gateway's side of one hop.
 * - `towards: 'client'`: what answered the client's requests (JSON or each SSE event), and any
 *   request or notification the gateway sent it on a stream.
 * - `towards: 'upstream'`: each request, notification and answer the gateway sent the upstream.
 * The revision of an exchange is its MCP-Protocol-Version header, else the one the last
 * initialize on that hop settled on.
 * Returns { problems: [text], unchecked: Set<revision> }.
 */
export function checkHop(records, towards) {
  const problems = [];
  const unchecked = new Set();
  let settled;
  for (const record of records) {
    const sent = messagesOf(record.requestBody, 'application/json');
    const answered = messagesOf(record.responseBody, record.responseType);
    const initialize = sent.find((m) => m.method === 'initialize');
    if (initialize) settled = answered.find((m) => typeof m.result?.protocolVersion === 'string')?.result.protocolVersion ?? initialize.params?.protocolVersion;
    const revision = record.requestHeaders['mcp-protocol-version'] ?? settled;
    if (!revision) continue;
    const schema = schemas.get(revision);
    if (!schema) {
      unchecked.add(revision);
      continue;
    }
    const where = `${record.httpMethod} ${sent.map((m) => m.method ?? 'answer').join(',') || '(no body)'} at ${revision}`;
    const check = (message, defName, what) => {
      const errors = schema.validate(defName, message);
      if (errors.length > 0) problems.push(`${where}: ${what} is not a valid ${defName}: ${errors.slice(0, 4).join('; ')} in ${JSON.stringify(message).slice(0, 400)}`);
    };
    const checkMessage = (message, requestsById) => {
      if (typeof message.method === 'string') {
        const defName = schema.byMethod.get(message.method);
        if (!defName) problems.push(`${where}: ${message.method} is not a method of revision ${revision}: ${JSON.stringify(message).slice(0, 300)}`);
        else check(message, defName, message.method);
        return;
      }
      if ('error' in message) {
        check(message, 'JSONRPCErrorResponse', 'the error answer');
        return;
      }
      check(message, 'JSONRPCResultResponse', 'the answer');
      const method = requestsById.get(message.id);
      if (method) check(message.result, resultDefFor(schema, method, message.result), `the result of ${method}`);
    };
    if (towards === 'client' && revision === '2026-07-28') problems.push(...statelessRules(record, answered).map((p) => `${where}: ${p}`));
    if (towards === 'client') {
      // Answers to what the client sent; a GET stream carries only the gateway's own messages.
      const requestsById = new Map(sent.filter((m) => m.id !== undefined && typeof m.method === 'string').map((m) => [m.id, m.method]));
      for (const message of answered) checkMessage(message, requestsById);
    } else {
      for (const message of sent) checkMessage(message, new Map());
    }
  }
  return { problems, unchecked };
}

/** The error codes 2026-07-28 defines in its reserved range -32020..-32099 (basic/index, Error Codes). */
const STATELESS_RESERVED_CODES = new Set([-32020, -32021, -32022]);

/**
 * Rules of revision 2026-07-28 beyond its schema, for what the gateway sent a client:
 * - error codes (basic/index, Error Codes): never -32002 (resource not found up to 2025-11-25, now
 *   -32602) or -32042 (2025-11-25 only), and in -32020..-32099 only the codes the revision defines;
 * - SSE answers carry messages only: the revision removed resumption, event ids and so priming
 *   events (changelog, major change 9).
 */
function statelessRules(record, answered) {
  const problems = [];
  for (const message of answered) {
    const code = message.error?.code;
    if (typeof code !== 'number') continue;
    if (code === -32002 || code === -32042) problems.push(`error code ${code} is one 2026-07-28 implementations must not emit: ${JSON.stringify(message).slice(0, 300)}`);
    else if (code <= -32020 && code >= -32099 && !STATELESS_RESERVED_CODES.has(code)) problems.push(`error code ${code} is in the range 2026-07-28 reserves, and not one it defines: ${JSON.stringify(message).slice(0, 300)}`);
  }
  if ((record.responseType ?? '').includes('text/event-stream')) {
    for (const block of record.responseBody.split(/\r?\n\r?\n/)) {
      const lines = block.split(/\r?\n/).filter((line) => line !== '' && !line.startsWith(':'));
      if (lines.length === 0) continue;
      const fields = lines.filter((line) => /^(id|retry):/.test(line));
      if (fields.length > 0) problems.push(`an SSE event with ${fields.join(', ')}: the revision has no resumption, so no event ids or retry hints`);
      if (!lines.some((line) => /^data:\s*\S/.test(line))) problems.push(`an SSE event that carries no message (${lines.join(' | ').slice(0, 120)})`);
    }
  }
  return problems;
}
