import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody } from '@gw/core';
import { checkAccept, checkContentType, parseEnvelope, readsAsModern } from '@gw/core/internal';
import { readBody } from './http/body.js';
import { refusePost } from './http/refuse-post.js';
import { checkCaller, header } from './http/request-checks.js';
import { PostAudit } from './ops/audit-trail.js';
import type { GatewayRuntime } from './runtime.js';
import { handleSessionPost } from './session/post.js';
import { handleModernPost } from './stateless/modern-post.js';

/**
 * A refusal sent before the body was read closes the connection: draining a body the gateway
 * will not take would let a caller without a key make it read as much as it cares to send.
 */
const UNREAD_BODY: Readonly<Record<string, string>> = Object.freeze({ connection: 'close' });

/**
 * POST: the client sends one message (or, in 2025-03-26, a batch). Everything the headers decide
 * comes first: content type, Accept, Host, Origin and the credential, so an unauthenticated
 * request costs no body read and no parse. Then the body is read once with a limit and parsed
 * once, and the client's era chosen once: the stateless era (stateless/modern-post.ts) or the
 * session era (session/post.ts) takes it from there. This front sits above both eras, so neither
 * imports the other.
 */
export async function handlePost(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const audit = gw.audit ? new PostAudit(gw.audit, header(req.headers, 'mcp-protocol-version')) : undefined;

  const contentType = checkContentType(header(req.headers, 'content-type'));
  if (!contentType.ok) return refusePost(gw, res, audit, undefined, contentType, null, UNREAD_BODY);
  const accept = checkAccept(header(req.headers, 'accept'), 'answer');
  if (!accept.ok) return refusePost(gw, res, audit, undefined, accept, null, UNREAD_BODY);
  // The credential is in the headers: authenticate before reading or parsing the body.
  const caller = checkCaller(gw, req);
  if (!caller.ok) return refusePost(gw, res, audit, undefined, caller, null, UNREAD_BODY);
  const subject = caller.subject;
  if (audit) audit.subject = subject;

  const read = await readBody(req, gw.options.server.maxBodyBytes);
  // Refused unread: close the connection rather than drain a body the gateway will not take.
  if (!read.ok) return refusePost(gw, res, audit, undefined, read, null, read.name === 'PAYLOAD_TOO_LARGE' ? UNREAD_BODY : {});
  const body = read.body;
  const maxBatch = gw.options.server.maxBatchMessages;
  const envelope = body.kind === 'parsed' ? parseEnvelope(body.value, maxBatch) : parseBody(body.kind === 'bytes' ? body.bytes : body.text, gw.decoder, maxBatch);
  if (!envelope.ok) return refusePost(gw, res, audit, undefined, envelope, null);
  const items = envelope.items;

  // The stateless era (2026-07-28) has its own rules from here on.
  const first = items[0]!;
  if (readsAsModern(header(req.headers, 'mcp-protocol-version'), first.ok && first.message.kind !== 'response' ? first.message.params : undefined)) {
    return handleModernPost(gw, req, res, subject, first, envelope.batch, accept.formats, audit);
  }
  return handleSessionPost(gw, req, res, subject, items, envelope.batch, accept.formats, body.kind === 'bytes' ? body.bytes : undefined, audit);
}
