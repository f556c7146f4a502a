import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody } from '@gw/core';
import { checkAccept, checkContentType, parseEnvelope, readsAsStateless } from '@gw/core/internal';
import { readBody } from './http/body.js';
import { readSource, type RequestSource } from './http/forwarded.js';
import { refusedPost, settlePost, type PostOutcome, type PostRequest } from './http/post-request.js';
import { checkCaller, header } from './http/request-checks.js';
import { PostAudit } from './ops/audit-trail.js';
import type { GatewayRuntime } from './runtime.js';
import { handleSessionPost } from './session/post.js';
import { handleStatelessPost } from './stateless/post.js';
import { pickForwarded } from './upstream/forward-headers.js';

/**
 * A refusal sent before the body was read closes the connection: draining a body the gateway
 * will not take would let a caller without a key make it read as much as it cares to send.
 */
const UNREAD_BODY: Readonly<Record<string, string>> = Object.freeze({ connection: 'close' });

/**
 * POST: the client sends one message (or, in 2025-03-26, a batch). This front takes it in
 * (readPost), hands it to the client's era, chosen once, and tells how it ended in one place
 * (settlePost: answered or refused, counted, audited). It sits above both eras, so neither
 * imports the other.
 */
export async function handlePost(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Where the request came from, read once: for the Host and Origin checks and the audit trail.
  const source = readSource(gw.forwarded, req);
  const audit = gw.audit ? new PostAudit(gw.audit, header(req.headers, 'mcp-protocol-version'), source.clientAddress ?? null) : undefined;
  const read = await readPost(gw, req, res, source, audit);
  if ('kind' in read) return settlePost(gw, res, audit, undefined, read);
  const first = read.items[0]!;
  // The stateless era (2026-07-28) has its own rules from here on.
  const stateless = readsAsStateless(header(req.headers, 'mcp-protocol-version'), first.ok && first.message.kind !== 'response' ? first.message.params : undefined);
  const outcome = stateless ? await handleStatelessPost(gw, read) : await handleSessionPost(gw, read);
  settlePost(gw, res, audit, read.protocolVersion, outcome);
}

/**
 * Everything the headers decide comes first: content type, Accept, Host, Origin and the
 * credential, so an unauthenticated request costs no body read and no parse. Then the body is
 * read once with a limit and parsed once, and the client's headers that may reach an upstream
 * are picked.
 */
async function readPost(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse, source: RequestSource, audit: PostAudit | undefined): Promise<PostRequest | PostOutcome> {
  const contentType = checkContentType(header(req.headers, 'content-type'));
  if (!contentType.ok) return refusedPost(contentType, null, undefined, UNREAD_BODY);
  const accept = checkAccept(header(req.headers, 'accept'), 'answer');
  if (!accept.ok) return refusedPost(accept, null, undefined, UNREAD_BODY);
  // The credential is in the headers: authenticate before reading or parsing the body.
  const caller = checkCaller(gw, req, source);
  if (!caller.ok) return refusedPost(caller, null, undefined, UNREAD_BODY);
  const subject = caller.subject;
  if (audit) audit.subject = subject;

  const read = await readBody(req, gw.options.server.maxBodyBytes);
  // Refused unread: close the connection rather than drain a body the gateway will not take.
  if (!read.ok) return refusedPost(read, null, undefined, read.name === 'PAYLOAD_TOO_LARGE' ? UNREAD_BODY : undefined);
  const body = read.body;
  const maxBatch = gw.options.server.maxBatchMessages;
  const envelope = body.kind === 'parsed' ? parseEnvelope(body.value, maxBatch) : parseBody(body.kind === 'bytes' ? body.bytes : body.text, gw.decoder, maxBatch);
  if (!envelope.ok) return refusedPost(envelope, null, undefined);
  return {
    req,
    res,
    subject,
    items: envelope.items,
    batch: envelope.batch,
    formats: accept.formats,
    rawBody: body.kind === 'bytes' ? body.bytes : undefined,
    forwarded: pickForwarded(req.headers, gw.options.upstreamHeaders.forward),
  };
}
