import type { ClientMessage, Decision, Denial, JsonRpcId, MessageResult } from '@gw/core';
import { allowsBatches, checkInitializeParams, checkProtocolVersionHeader, deny, extend, isPending, LIST_METHODS, negotiateProtocolVersion } from '@gw/core/internal';
import { JsonAnswer, SseAnswer, type Answer } from '../wire/answer.js';
import { forward, type Forwarding } from '../upstream/forward.js';
import { departureOf, type Departure } from '../wire/departure.js';
import { rerouteUnknown } from '../federation/catalog-refresh.js';
import { DISCARD_ANSWER, type FanOutContext } from '../federation/fan-out.js';
import { answerInitialize } from './initialize.js';
import { answerInputRequest, forwardWithInputRounds } from './input-rounds.js';
import { answerList } from '../federation/lists.js';
import { answerSetLevel } from './set-level.js';
import { withUpstreamName } from '../upstream/upstream-name.js';
import { answeredPost, refusedPost, type MessageOutcome, type PostOutcome, type PostRequest } from '../http/post-request.js';
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

/** A read initialize request. */
type InitializeItem = Extract<MessageResult, { ok: true }> & { message: Extract<ClientMessage, { kind: 'request' }> };

/** The initialize request among the messages, if there is one. */
function findInitialize(items: readonly MessageResult[]): InitializeItem | undefined {
  for (const item of items) if (item.ok && item.message.kind === 'request' && item.message.method === 'initialize') return item as InitializeItem;
  return undefined;
}

/**
 * POST from a client of the session era (2025-03-26 to 2025-11-25), once the shared front
 * (front.ts) has checked the headers, read and parsed the body, and authenticated the caller:
 * the revision is checked, initialize opens a session or the session is found, each message is
 * decided (policy, rate limit, route) and sent where it goes, and the answers stream back. The
 * outcome goes back to the front, which counts and audits it.
 */
export async function handleSessionPost(gw: GatewayRuntime, post: PostRequest): Promise<PostOutcome> {
  const { req, items, batch } = post;
  const versionHeader = header(req.headers, 'mcp-protocol-version');
  const checkedVersion = checkProtocolVersionHeader(versionHeader);
  if (!checkedVersion.ok) return refusedPost(checkedVersion, replyId(items), items);
  // One message that is not valid JSON-RPC is answered with its own error, session or not.
  const only = batch ? undefined : items[0];
  if (only && !only.ok) return refusedPost(only, only.id, items);

  const initialize = findInitialize(items);
  if (initialize) return initializeSession(gw, post, initialize);

  const found = await findLiveSession(gw, req, post.res, post.subject);
  if (!found.ok) return refusedPost(found, replyId(items), items);
  const { session } = found;
  const version = versionHeader ?? session.protocolVersion;
  post.protocolVersion = version;
  if (batch && !allowsBatches(version)) return refusedPost(deny('INVALID_REQUEST', `protocol revision ${version} does not allow JSON-RPC batches`), null, items);

  const departure = departureOf(post.res);
  const decisions = await decideAll(gw, post, session, departure);
  return sendAll(gw, post, session, departure, decisions);
}

/** initialize: checked, decided by the policy like any request, then answered by the gateway (initialize.ts). */
async function initializeSession(gw: GatewayRuntime, post: PostRequest, initialize: InitializeItem): Promise<PostOutcome> {
  const { items, req } = post;
  const request = initialize.message;
  if (items.length > 1) return refusedPost(deny('INVALID_REQUEST', 'initialize must be sent on its own, not in a batch'), null, items);
  if (header(req.headers, 'mcp-session-id') !== undefined) {
    return refusedPost(deny('BAD_REQUEST', 'initialize opens a new session; send it without Mcp-Session-Id'), request.id, items);
  }
  const params = checkInitializeParams(request.params);
  if (!params.ok) return refusedPost(params, request.id, items);
  post.protocolVersion = negotiateProtocolVersion(request.params?.['protocolVersion']);
  const decision = await gw.core.decide(post.subject, request);
  if (!decision.ok) return refusedPost(decision, request.id, items);
  const failure = await answerInitialize(gw, post, request.message);
  return answeredPost({ item: initialize, placed: null, status: post.res.statusCode, failure });
}

/**
 * Each message decided: policy, rate limit, route. One message (nearly every POST) is decided
 * without the array and Promise.all of a batch, and without a promise when its decision is known
 * at once (a memory rate-limit store). A name no rule routes may be one the catalog has not
 * seen yet: the lists are fetched, and it is routed again.
 */
async function decideAll(gw: GatewayRuntime, post: PostRequest, session: Session, departure: Departure): Promise<MessageDecision[]> {
  const { items, subject } = post;
  let decisions: MessageDecision[];
  if (items.length === 1) {
    const item = items[0]!;
    const decided = item.ok ? gw.core.decide(subject, item.message) : item;
    decisions = [isPending(decided) ? await decided : decided];
  } else {
    decisions = await Promise.all(items.map((item) => (item.ok ? gw.core.decide(subject, item.message) : item)));
  }
  for (let i = 0; i < decisions.length; i++) {
    const decision = decisions[i]!;
    const item = items[i]!;
    if (!decision.ok && decision.name === 'NO_ROUTE' && item.ok) {
      decisions[i] = await rerouteUnknown(gw, { session, forwarded: post.forwarded, answer: DISCARD_ANSWER, departure }, subject, item.message, decision);
    }
  }
  return decisions;
}

/** Sends each message where its decision says, answering as SSE or JSON, and tells how each ended. */
async function sendAll(gw: GatewayRuntime, post: PostRequest, session: Session, departure: Departure, decisions: readonly MessageDecision[]): Promise<PostOutcome> {
  const { items, batch, formats, res } = post;
  let forwardsAny = false;
  for (const decision of decisions) if (decision.ok && decision.upstream !== null) forwardsAny = true;
  // Only requests are answered; a POST of notifications and responses gets 202 whatever Accept says.
  let asksAnything = false;
  for (const item of items) if (item.ok && item.message.kind === 'request') asksAnything = true;
  const headers = { 'mcp-session-id': session.id };
  const answer: Answer =
    asksAnything && formats.sse && (forwardsAny || !formats.json)
      ? new SseAnswer(res, headers, !batch, gw.heldAnswers)
      : new JsonAnswer(res, headers, batch);

  const context: PostContext = { post, session, answer, departure };
  const failures = items.length === 1 ? [await dispatch(gw, context, items[0]!, decisions[0]!)] : await Promise.all(items.map((item, index) => dispatch(gw, context, item, decisions[index]!)));
  answer.end();
  const messages: MessageOutcome[] = [];
  for (let i = 0; i < items.length; i++) {
    const decision = decisions[i]!;
    const failure = failures[i];
    messages.push({ item: items[i]!, placed: decision.ok ? decision : null, status: failure?.status ?? (batch ? 200 : res.statusCode), failure });
  }
  return { kind: 'answered', messages };
}

/** A message's decision, or the refusal of a message that could not be read. */
type MessageDecision = Decision | (Denial & { id: JsonRpcId | null });

/** What dispatching one message of a POST needs. */
interface PostContext {
  post: PostRequest;
  session: Session;
  answer: Answer;
  departure: Departure;
}

/**
 * Sends one message where its decision says; gives how it failed, if it did. Not async: what it
 * forwards returns its own promise, passed on without wrapping it in another.
 */
function dispatch(gw: GatewayRuntime, context: PostContext, item: MessageResult, decision: MessageDecision): Promise<Denial | undefined> | Denial | undefined {
  if (!item.ok) {
    context.answer.fail(item.id, item);
    return item;
  }
  const message = item.message;
  if (!decision.ok) {
    context.answer.fail(message.kind === 'request' ? message.id : null, decision);
    return decision;
  }
  if (decision.upstream !== null) {
    // An upstream that asks for input with input_required results: the gateway runs the rounds.
    if (message.kind === 'request' && gw.facts.eraIn(context.session, decision.upstream)?.asksInputBy === 'input-required') {
      const request = decision.name === undefined ? message.message : withUpstreamName(message, decision.name);
      return forwardWithInputRounds(gw, { session: context.session, forwarded: context.post.forwarded, answer: context.answer, departure: context.departure }, request, decision.upstream);
    }
    if (decision.name !== undefined && message.kind !== 'response') return send(gw, context, message, decision.upstream, JSON.stringify(withUpstreamName(message, decision.name)));
    return send(gw, context, message, decision.upstream, !context.post.batch && context.post.rawBody ? context.post.rawBody : JSON.stringify(message.message));
  }
  switch (message.kind) {
    case 'request': {
      const fanOut: FanOutContext = { session: context.session, forwarded: context.post.forwarded, answer: context.answer, departure: context.departure };
      const list = LIST_METHODS.get(message.method);
      if (list) return answerList(gw, extend(fanOut, { subject: context.post.subject }), message.message, list);
      if (message.method === 'logging/setLevel') return answerSetLevel(gw, fanOut, message.message);
      // ping is the one protocol request left once initialize is handled.
      const pong = { jsonrpc: '2.0', id: message.id, result: {} };
      context.answer.event({ data: JSON.stringify(pong) }, pong);
      return undefined;
    }
    case 'response':
      return sendResponse(gw, context, message);
    case 'notification':
      return sendSessionNotification(gw, context, message);
  }
}

function send(gw: GatewayRuntime, context: PostContext, message: ClientMessage, upstream: string, body: string | Uint8Array, answersServer?: true): Promise<Denial | undefined> {
  const requestId = message.kind === 'request' ? message.id : undefined;
  const job: Forwarding = { session: context.session, upstream, forwarded: context.post.forwarded, body, requestId, answer: context.answer, departure: context.departure };
  if (answersServer) job.answersServer = true;
  if (!context.post.batch && requestId !== undefined && context.post.formats.json) job.direct = { res: context.post.res, headers: { 'mcp-session-id': context.session.id } };
  // An error the upstream answered with is the audit trail's to tell, beside the gateway's own failures.
  return forward(gw, job).then((failure) => failure ?? job.refused);
}

/** A client's answer to a server-to-client request goes back to the upstream that asked, under its own id. */
async function sendResponse(gw: GatewayRuntime, context: PostContext, message: Extract<ClientMessage, { kind: 'response' }>): Promise<Denial | undefined> {
  // The answer to a question the gateway asked the client for a stateless upstream (input-rounds.ts).
  if (message.id !== null && answerInputRequest(gw, context.session, message.id, message.message as { result?: unknown; error?: unknown })) return undefined;
  const key = message.id === null ? undefined : idKey(message.id);
  const origin = key === undefined ? undefined : context.session.serverRequests.get(key);
  const unexpected = (): Denial => {
    const denial = deny('INVALID_REQUEST', `no request of a server is waiting for a response with id ${JSON.stringify(message.id)}`);
    context.answer.fail(null, denial);
    return denial;
  };
  if (key === undefined || origin === undefined) return unexpected();
  context.session.serverRequests.delete(key);
  // With sealed ids another replica may have taken this answer already: a shared store says.
  if (context.session.sealed && !(await claimAnswer(gw, context.session, origin))) return unexpected();
  return send(gw, context, message, origin.upstream, JSON.stringify({ ...message.message, id: origin.id }), true);
}

/**
 * The client's session notifications: initialized was already sent to each upstream when its
 * session opened; cancelled goes to the upstream working on that request; progress and
 * roots/list_changed concern every upstream session that is open.
 */
async function sendSessionNotification(gw: GatewayRuntime, context: PostContext, message: Extract<ClientMessage, { kind: 'notification' }>): Promise<Denial | undefined> {
  if (message.method === 'notifications/initialized') return undefined;
  if (!message.method.startsWith('notifications/')) {
    // initialize or ping without an id: a request that cannot be answered.
    const unanswerable = deny('INVALID_REQUEST', `${message.method} is a request: send it with an id`);
    context.answer.fail(null, unanswerable);
    return unanswerable;
  }
  const body = JSON.stringify(message.message);
  if (message.method === 'notifications/cancelled') {
    const requestId = message.params?.['requestId'];
    // A cancel that crossed its request's answer finds nothing in flight; the protocol says to ignore
    // it. With sealed session ids another replica may be forwarding it: every open upstream session hears it.
    const targets = typeof requestId === 'string' || typeof requestId === 'number' ? cancellationTargets(context.session, requestId) : [];
    const failures = await Promise.all(targets.map((upstream) => send(gw, context, message, upstream, body)));
    return failures.find((failure) => failure !== undefined);
  }
  const failures = await Promise.all([...context.session.upstreams.keys()].map((upstream) => send(gw, context, message, upstream, body)));
  return failures.find((failure) => failure !== undefined);
}
