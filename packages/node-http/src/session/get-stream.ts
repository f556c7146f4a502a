import type { IncomingMessage, ServerResponse } from 'node:http';
import { streamMessageAllowed, type Subject } from '@gw/core';
import { checkAccept, deny } from '@gw/core/internal';
import { parseLastEventId } from '../federation/stream-positions.js';
import { checkRequest, findLiveSession, header } from '../http/request-checks.js';
import { sendDenial } from '../wire/respond.js';
import type { GatewayRuntime } from '../runtime.js';
import { sseHead } from '../wire/sse.js';
import { pickForwarded } from '../upstream/forward-headers.js';
import { admitStream, MergedStream, upstreamStreamsFull, type StreamFilter } from '../federation/merged-stream.js';

/**
 * GET: the client's stream of messages its upstreams send outside any request. The gateway
 * merges the GET stream of every upstream session the client's session has (and of each one
 * that opens later) into one; its event ids carry each upstream's position (stream-positions.ts).
 * With the Last-Event-ID of such an event it resumes every upstream's stream, each from its
 * position where it has one; with that of a POST's stream it resumes the one upstream stream
 * that event came from. A newer GET, resumed or not, replaces an older one of the same session.
 * With sealed session ids, whichever replica receives the GET opens the upstream GETs itself.
 */
export async function handleGet(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const accept = checkAccept(header(req.headers, 'accept'), 'stream');
  if (!accept.ok) return sendDenial(res, accept, null);
  const checked = checkRequest(gw, req);
  if (!checked.ok) return sendDenial(res, checked, null);
  const found = await findLiveSession(gw, req, res, checked.subject);
  if (!found.ok) return sendDenial(res, found, null);
  const { session } = found;

  const lastEventId = header(req.headers, 'last-event-id');
  const resume = lastEventId === undefined ? undefined : parseLastEventId(lastEventId);
  if (lastEventId !== undefined && !resume) {
    return sendDenial(res, deny('BAD_REQUEST', 'Last-Event-ID is not the id of an event this gateway sent; send the last id received, or none'), null);
  }
  // A POST's stream resumed through GET: the one upstream that answered it.
  const single = resume?.kind === 'stream' ? resume : undefined;
  if (single && !session.upstreams.has(single.upstream)) {
    return sendDenial(res, deny('BAD_REQUEST', 'Last-Event-ID names no stream of this session'), null);
  }
  // A merged stream's positions name configured upstreams; those without a session here are not resumed.
  if (resume?.kind === 'merged') {
    for (const name of resume.positions.keys()) {
      if (!gw.upstreams.has(name)) return sendDenial(res, deny('BAD_REQUEST', 'Last-Event-ID names no stream of this session'), null);
    }
  }
  // The stream this one replaces gives its places back first: a client reconnecting its GET
  // never finds itself over its bound.
  if (!single) session.stream?.close();
  const admitted = admitStream(gw, checked.subject);
  if (!admitted.ok) return sendDenial(res, admitted, null);
  const full = upstreamStreamsFull(gw, single ? [single.upstream] : session.upstreams.keys());
  if (full) {
    admitted.release();
    return sendDenial(res, full, null);
  }

  res.writeHead(200, sseHead({ 'mcp-session-id': session.id }));
  res.flushHeaders();
  const stream = new MergedStream(gw, session, pickForwarded(req.headers, gw.options.upstreamHeaders.forward), res, resume, streamFilter(gw, checked.subject), admitted.release);
  if (single) {
    stream.attach(single.upstream);
    return;
  }
  session.stream = stream;
  for (const [name, opening] of session.upstreams) opening.then(() => stream.attach(name), () => undefined);
}

/**
 * What of the upstreams' streams reaches a subject: list changes of the lists it may call and
 * updates of resources it may read (streamMessageAllowed in core); the rest passes as it came.
 */
function streamFilter(gw: GatewayRuntime, subject: Subject): StreamFilter {
  const core = gw.core;
  return (event, message) => (streamMessageAllowed(core, subject, message) ? event : undefined);
}
