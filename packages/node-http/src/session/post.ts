import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  ClientMessage,
  Decision,
  Denial,
  JsonRpcId,
  MessageResult,
  Subject,
} from '@gw/core';
import {
  allowsBatches,
  checkInitializeParams,
  checkProtocolVersionHeader,
  deny,
  extend,
  isPending,
  negotiateProtocolVersion,
  type AcceptedFormats,
  LIST_METHODS,
} from '@gw/core/internal';
import { JsonAnswer, SseAnswer, type Answer } from '../wire/answer.js';
import { forward, type Forwarding } from '../upstream/forward.js';
import type { PostAudit } from '../ops/audit-trail.js';
import { departureOf, type Departure } from '../wire/departure.js';
import { rerouteUnknown } from '../federation/catalog-refresh.js';
import { DISCARD_ANSWER, type FanOutContext } from '../federation/fan-out.js';
import { answerInitialize } from './initialize.js';
import { answerInputRequest, forwardWithInputRounds } from './input-rounds.js';
import { answerList } from '../federation/lists.js';
import { answerSetLevel } from './set-level.js';
import { withUpstreamName } from '../upstream/upstream-name.js';
import { isStateless, knownStateless } from '../upstream/stateless-upstream.js';
import { refusePost } from '../http/refuse-post.js';
import { findLiveSession, header } from '../http/request-checks.js';
import type { GatewayRuntime } from '../runtime.js';
import { claimAnswer } from './answer-claims.js';
import { cancellationTargets, idKey, type Session } from '../state/sessions.js';

/** The id to answer a denial with: the request's, when the body is one readable request. */
function replyId(items: readonly MessageResult[] | undefined): JsonRpcId | null {
  if (items?.length !== 1) return null;
  const item = items[0]!;
  if (!item.ok) return item.id;
  return item.message.kind === 'request' ? item.message.id : null;
}

/** The initialize request among the messages, if there is one. */
function findInitialize(items: readonly MessageResult[]): Extract<MessageResult, { ok: true }> | undefined {
  for (const item of items) if (item.ok && item.message.kind === 'request' && item.message.method === 'initialize') return item;
  return undefined;
}

/**
 * POST from a client of the session era (2025-03-26 to 2025-11-25), once the shared front
 * (front.ts) has checked the headers, read and parsed the body, and authenticated the caller:
 * the session is found (or initialize opens one), each message is decided (policy, rate limit,
 * route) and sent where it goes, and the answers stream back.
 */
export async function handleSessionPost(
  gw: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  subject: Subject,
  items: readonly MessageResult[],
  batch: boolean,
  formats: AcceptedFormats,
  rawBody: Uint8Array | undefined,
  audit: PostAudit | undefined,
): Promise<void> {
  const metrics = gw.metrics;
  const versionHeader = header(req.headers, 'mcp-protocol-version');
  const checkedVersion = checkProtocolVersionHeader(versionHeader);
  if (!checkedVersion.ok) return refusePost(gw, res, audit, items, checkedVersion, replyId(items));

  // One message that is not valid JSON-RPC is answered with its own error, session or not.
  const only = batch ? undefined : items[0];
  if (only && !only.ok) return refusePost(gw, res, audit, items, only, only.id);

  const initialize = findInitialize(items);
  if (initialize && initialize.message.kind === 'request') {
    if (items.length > 1) return refusePost(gw, res, audit, items, deny('INVALID_REQUEST', 'initialize must be sent on its own, not in a batch'), null);
    if (header(req.headers, 'mcp-session-id') !== undefined) {
      return refusePost(gw, res, audit, items, deny('BAD_REQUEST', 'initialize opens a new session; send it without Mcp-Session-Id'), initialize.message.id);
    }
    const params = checkInitializeParams(initialize.message.params);
    if (!params.ok) return refusePost(gw, res, audit, items, params, initialize.message.id);
    if (audit) audit.protocolVersion = negotiateProtocolVersion(initialize.message.params?.['protocolVersion']);
    const decision = await gw.core.decide(subject, initialize.message);
    if (!decision.ok) return refusePost(gw, res, audit, items, decision, initialize.message.id);
    const failure = await answerInitialize(gw, req, res, subject, initialize.message.message, formats);
    metrics.message(failure?.name ?? 'ok');
    audit?.message(initialize, null, res.statusCode, failure);
    return;
  }

  const found = await findLiveSession(gw, req, res, subject);
  if (!found.ok) return refusePost(gw, res, audit, items, found, replyId(items));
  const { session } = found;
  const version = versionHeader ?? session.protocolVersion;
  if (audit) audit.protocolVersion = version;
  if (batch && !allowsBatches(version)) {
    return refusePost(gw, res, audit, items, deny('INVALID_REQUEST', `protocol revision ${version} does not allow JSON-RPC batches`), null);
  }

  // One message (nearly every POST) is decided without the array and Promise.all of a batch, and
  // without a promise when its decision is known at once (a memory rate-limit store).
  let decisions: (Decision | (Denial & { id: JsonRpcId | null }))[];
  if (items.length === 1) {
    const item = items[0]!;
    const decided = item.ok ? gw.core.decide(subject, item.message) : item;
    decisions = [isPending(decided) ? await decided : decided];
  } else {
    decisions = await Promise.all(items.map((item) => (item.ok ? gw.core.decide(subject, item.message) : item)));
  }
  const departure = departureOf(res);
  // A name no rule routes may be one the catalog has not seen yet: list, then route again.
  for (let i = 0; i < decisions.length; i++) {
    const decision = decisions[i]!;
    const item = items[i]!;
    if (!decision.ok && decision.name === 'NO_ROUTE' && item.ok) {
      decisions[i] = await rerouteUnknown(gw, { session, clientHeaders: req.headers, answer: DISCARD_ANSWER, departure }, subject, item.message, decision);
    }
  }
  let forwardsAny = false;
  for (const decision of decisions) if (decision.ok && decision.upstream !== null) forwardsAny = true;
  // Only requests are answered; a POST of notifications and responses gets 202 whatever Accept says.
  let asksAnything = false;
  for (const item of items) if (item.ok && item.message.kind === 'request') asksAnything = true;
  const headers = { 'mcp-session-id': session.id };
  const answer: Answer =
    asksAnything && formats.sse && (forwardsAny || !formats.json)
      ? new SseAnswer(res, headers, !batch)
      : new JsonAnswer(res, headers, batch);

  const post: PostContext = { req, res, subject, session, answer, departure, formats: formats, single: !batch, rawBody: rawBody };
  const failures = items.length === 1 ? [await dispatch(gw, post, items[0]!, decisions[0]!)] : await Promise.all(items.map((item, index) => dispatch(gw, post, item, decisions[index]!)));
  answer.end();
  for (let i = 0; i < items.length; i++) {
    const decision = decisions[i]!;
    metrics.message(failures[i]?.name ?? (decision.ok ? 'ok' : decision.name));
  }
  if (audit) {
    for (let i = 0; i < items.length; i++) {
      const decision = decisions[i]!;
      const failure = failures[i];
      const status = failure?.status ?? (batch ? 200 : res.statusCode);
      audit.message(items[i]!, decision.ok ? decision : null, status, failure);
    }
  }
}

/** What dispatching one message of a POST needs to know about the request. */
interface PostContext {
  req: IncomingMessage;
  res: ServerResponse;
  subject: Subject;
  session: Session;
  answer: Answer;
  departure: Departure;
  formats: AcceptedFormats;
  /** The body is this one message, so its bytes can be forwarded as they came. */
  single: boolean;
  rawBody: Uint8Array | undefined;
}

/**
 * Sends one message where its decision says; gives how it failed, if it did. Not async: what it
 * forwards returns its own promise, passed on without wrapping it in another.
 */
function dispatch(gw: GatewayRuntime, post: PostContext, item: MessageResult, decision: Decision | (Denial & { id: JsonRpcId | null })): Promise<Denial | undefined> | Denial | undefined {
  if (!item.ok) {
    post.answer.fail(item.id, item);
    return item;
  }
  const message = item.message;
  if (!decision.ok) {
    post.answer.fail(message.kind === 'request' ? message.id : null, decision);
    return decision;
  }
  if (decision.upstream !== null) {
    if (message.kind === 'request' && speaksStateless(gw, post.session, decision.upstream)) {
      const request = decision.name === undefined ? message.message : withUpstreamName(message, decision.name);
      return forwardWithInputRounds(gw, { session: post.session, clientHeaders: post.req.headers, answer: post.answer, departure: post.departure }, request, decision.upstream);
    }
    if (decision.name !== undefined && message.kind !== 'response') return send(gw, post, message, decision.upstream, JSON.stringify(withUpstreamName(message, decision.name)));
    return send(gw, post, message, decision.upstream, post.single && post.rawBody ? post.rawBody : JSON.stringify(message.message));
  }
  switch (message.kind) {
    case 'request': {
      const fanOut: FanOutContext = { session: post.session, clientHeaders: post.req.headers, answer: post.answer, departure: post.departure };
      const list = LIST_METHODS.get(message.method);
      if (list) return answerList(gw, extend(fanOut, { subject: post.subject }), message.message, list);
      if (message.method === 'logging/setLevel') return answerSetLevel(gw, fanOut, message.message);
      // ping is the one protocol request left once initialize is handled.
      const pong = { jsonrpc: '2.0', id: message.id, result: {} };
      post.answer.event({ data: JSON.stringify(pong) }, pong);
      return undefined;
    }
    case 'response':
      return sendResponse(gw, post, message);
    case 'notification':
      return sendSessionNotification(gw, post, message);
  }
}

function send(gw: GatewayRuntime, post: PostContext, message: ClientMessage, upstream: string, body: string | Uint8Array, answersServer?: true): Promise<Denial | undefined> {
  const requestId = message.kind === 'request' ? message.id : undefined;
  const job: Forwarding = { session: post.session, upstream, clientHeaders: post.req.headers, body, requestId, answer: post.answer, departure: post.departure };
  if (answersServer) job.answersServer = true;
  if (post.single && requestId !== undefined && post.formats.json) job.direct = { res: post.res, headers: { 'mcp-session-id': post.session.id } };
  // An error the upstream answered with is the audit trail's to tell, beside the gateway's own failures.
  return forward(gw, job).then((failure) => failure ?? job.refused);
}

/**
 * Whether an upstream speaks the stateless revision. The gateway learns it when the upstream
 * first answers, which the client's initialize already caused (it learns every unknown upstream).
 */
function speaksStateless(gw: GatewayRuntime, session: Session, upstream: string): boolean {
  const open = session.ready.get(upstream);
  return open !== undefined ? isStateless(open) : knownStateless(gw.upstreams.get(upstream)!);
}

/** A client's answer to a server-to-client request goes back to the upstream that asked, under its own id. */
async function sendResponse(gw: GatewayRuntime, post: PostContext, message: Extract<ClientMessage, { kind: 'response' }>): Promise<Denial | undefined> {
  // The answer to a question the gateway asked the client for a stateless upstream (input-rounds.ts).
  if (message.id !== null && answerInputRequest(post.session, message.id, message.message as { result?: unknown; error?: unknown })) return undefined;
  const key = message.id === null ? undefined : idKey(message.id);
  const origin = key === undefined ? undefined : post.session.serverRequests.get(key);
  const unexpected = (): Denial => {
    const denial = deny('INVALID_REQUEST', `no request of a server is waiting for a response with id ${JSON.stringify(message.id)}`);
    post.answer.fail(null, denial);
    return denial;
  };
  if (key === undefined || origin === undefined) return unexpected();
  post.session.serverRequests.delete(key);
  // With sealed ids another replica may have taken this answer already: a shared store says.
  if (post.session.sealed && !(await claimAnswer(gw, post.session, origin))) return unexpected();
  return send(gw, post, message, origin.upstream, JSON.stringify({ ...message.message, id: origin.id }), true);
}

/**
 * The client's session notifications: initialized was already sent to each upstream when its
 * session opened; cancelled goes to the upstream working on that request; progress and
 * roots/list_changed concern every upstream session that is open.
 */
async function sendSessionNotification(gw: GatewayRuntime, post: PostContext, message: Extract<ClientMessage, { kind: 'notification' }>): Promise<Denial | undefined> {
  if (message.method === 'notifications/initialized') return undefined;
  if (!message.method.startsWith('notifications/')) {
    // initialize or ping without an id: a request that cannot be answered.
    const unanswerable = deny('INVALID_REQUEST', `${message.method} is a request: send it with an id`);
    post.answer.fail(null, unanswerable);
    return unanswerable;
  }
  const body = JSON.stringify(message.message);
  if (message.method === 'notifications/cancelled') {
    const requestId = message.params?.['requestId'];
    // A cancel that crossed its request's answer finds nothing in flight; the protocol says to ignore
    // it. With sealed session ids another replica may be forwarding it: every open upstream session hears it.
    const targets = typeof requestId === 'string' || typeof requestId === 'number' ? cancellationTargets(post.session, requestId) : [];
    const failures = await Promise.all(targets.map((upstream) => send(gw, post, message, upstream, body)));
    return failures.find((failure) => failure !== undefined);
  }
  const failures = await Promise.all([...post.session.upstreams.keys()].map((upstream) => send(gw, post, message, upstream, body)));
  return failures.find((failure) => failure !== undefined);
}
