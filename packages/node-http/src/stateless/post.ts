import type { ServerResponse } from 'node:http';
import type { ClientMessage, Decision, Denial, JsonRpcId, JsonRpcRequest, MessageResult, Subject } from '@gw/core';
import { checkStatelessRequest, deny, extend, forStatelessEra, isPending, LIST_METHODS, STATELESS_META, STATELESS_METHODS, SUPPORTED_PROTOCOL_VERSIONS, withoutStatelessEnvelope, type StatelessClient } from '@gw/core/internal';
import { DelegatingAnswer, JsonAnswer, SseAnswer, type Answer } from '../wire/answer.js';
import { answeredPost, refusedPost, type PostOutcome, type PostRequest } from '../http/post-request.js';
import { rerouteUnknown } from '../federation/catalog-refresh.js';
import { departureOf, type Departure } from '../wire/departure.js';
import { DISCARD_ANSWER, type FanOutContext } from '../federation/fan-out.js';
import { ParkedCall } from '../state/parked-calls.js';
import { idKey, type Session } from '../state/sessions.js';
import { forward, type Forwarding } from '../upstream/forward.js';
import { answerList } from '../federation/lists.js';
import { answerListen } from './listen.js';
import { header } from '../http/request-checks.js';
import type { GatewayRuntime } from '../runtime.js';
import { learnUnknownProfiles, serverFeatures } from '../federation/server-features.js';
import type { SseEvent } from '../wire/sse.js';
import { withUpstreamName } from '../upstream/upstream-name.js';
import { GATEWAY_NAME, GATEWAY_VERSION } from '../wire/version.js';

/** What a stateless client may cache a gateway answer for: nothing, since answers are filtered per subject. */
const CACHE_FIELDS = { ttlMs: 0, cacheScope: 'private' } as const;

/**
 * A POST of the stateless era (2026-07-28), once the shared front (front.ts) has checked the
 * headers, read the body and authenticated the caller: no session; every request carries its
 * revision and client capabilities in `_meta` and names its method (and target) in headers that
 * must agree with the body. The gateway answers `server/discover`, the lists and listen itself;
 * calls go to their upstream, a session-based one through a session the gateway holds for the
 * subject. The outcome goes back to the front, which counts and audits it.
 */
export async function handleStatelessPost(gw: GatewayRuntime, post: PostRequest): Promise<PostOutcome> {
  const item = post.items[0]!;
  const read = readRequest(post, item);
  if (!('message' in read)) return read;
  const { message, client } = read;
  post.protocolVersion = client.version;
  const departure = departureOf(post.res);
  const decided = await decideRequest(gw, post, message, client, departure);
  const { decision } = decided;
  if (!decision.ok) return refused(decision, message.id, post.items);
  const session = decided.session ?? gw.bridges.for(post.subject, client);
  if (message.method === 'subscriptions/listen') {
    const refusal = await answerListen(gw, post, session, message.message);
    return refusal ? refused(refusal, message.id, post.items) : answeredPost({ item, placed: null, status: 200, failure: undefined });
  }
  const failure = await answerRequest(gw, post, message, decision, session, departure);
  return answeredPost({ item, placed: decision, status: post.res.statusCode, failure });
}

/** A POST of the stateless era refused whole, as the revision has it: each message it carried (one, or a batch's) counted and audited. */
function refused(denial: Denial, id: JsonRpcId | null, items: readonly MessageResult[]): PostOutcome {
  return refusedPost(forStatelessEra(denial), id, items);
}

/**
 * The one request the POST carries, checked as the revision requires: no batch, a known
 * method, headers that agree with the body. A notification or response is taken (202) and
 * nothing more: the revision defines none from a client over HTTP.
 */
function readRequest(post: PostRequest, item: MessageResult): { message: RequestMessage; client: StatelessClient } | PostOutcome {
  if (post.batch) return refused(deny('INVALID_REQUEST', 'protocol revision 2026-07-28 has no JSON-RPC batches'), null, post.items);
  if (!item.ok) return refused(item, item.id, post.items);
  const message = item.message;
  if (message.kind !== 'request') {
    post.res.writeHead(202).end();
    return answeredPost({ item, placed: null, status: 202, failure: undefined });
  }
  if (!STATELESS_METHODS.has(message.method)) return refused(deny('NO_ROUTE', `${message.method} is not a method of protocol revision 2026-07-28`), message.id, post.items);
  const headers = post.req.headers;
  const client = checkStatelessRequest(
    { protocolVersion: header(headers, 'mcp-protocol-version'), method: header(headers, 'mcp-method'), name: header(headers, 'mcp-name') },
    message.method,
    message.params,
  );
  if ('ok' in client) return refused(client, message.id, post.items);
  return { message, client };
}

/**
 * The request decided: policy, rate limit, route (a name no rule routes may be one the catalog
 * has not seen yet: listed, then routed again). The upstream sessions held for this client are
 * made only for a message the policy let through: a refused one holds nothing.
 */
async function decideRequest(gw: GatewayRuntime, post: PostRequest, message: RequestMessage, client: StatelessClient, departure: Departure): Promise<{ decision: Decision; session: Session | undefined }> {
  const { subject } = post;
  const decided = gw.core.decide(subject, message);
  let decision = isPending(decided) ? await decided : decided;
  let session: Session | undefined;
  if (!decision.ok && decision.name === 'NO_ROUTE') {
    session = gw.bridges.for(subject, client);
    decision = await rerouteUnknown(gw, { session, forwarded: post.forwarded, answer: DISCARD_ANSWER, departure }, subject, message, decision);
  }
  // A resource no upstream serves does not exist as far as the client can tell, which the
  // revision answers with -32602 and the URI (server/resources, Error Handling), not -32601.
  if (!decision.ok && decision.name === 'NO_ROUTE' && message.method === 'resources/read') {
    const uri = message.params?.['uri'];
    decision = deny('INVALID_PARAMS', `no upstream serves resource ${JSON.stringify(String(uri).slice(0, 200))}`, { data: { uri } });
  }
  return { decision, session };
}

/** Answers a decided request: to its upstream (a new call, or a parked one resumed), or by the gateway itself (discover, lists). */
async function answerRequest(gw: GatewayRuntime, post: PostRequest, message: RequestMessage, decision: Extract<Decision, { ok: true }>, session: Session, departure: Departure): Promise<Denial | undefined> {
  const { res, subject } = post;
  const answer: Answer = decision.upstream !== null && post.formats.sse ? new SseAnswer(res, {}, true, gw.heldAnswers) : new JsonAnswer(res, {}, false);
  const context: FanOutContext = { session, forwarded: post.forwarded, answer, departure };
  let failure: Denial | undefined;
  if (decision.upstream !== null) {
    const body = decision.name === undefined ? message.message : withUpstreamName(message, decision.name);
    // A retry that answers a parked call's questions resumes that call.
    const requestState = message.params?.['requestState'];
    const parked = gw.parked.take(requestState, subject) ?? unknownState(gw, session, decision.upstream, requestState);
    if (parked && 'ok' in parked) {
      failure = parked;
      answer.fail(message.id, forStatelessEra(parked));
    } else failure = await (parked ? resumeCall(gw, context, parked, message, res) : forwardStateless(gw, context, body, message.id, decision.upstream, subject, res));
  } else if (message.method === 'server/discover') {
    await learnUnknownProfiles(gw, session, post.forwarded);
    answerDiscover(gw, answer, message.id);
  } else {
    const list = LIST_METHODS.get(message.method);
    if (list) failure = await answerList(gw, extend(context, { answer: withResultFields(answer, message.id, {}), subject }), message.message, list);
    else failure = deny('NO_ROUTE', `${message.method} is not served over protocol revision 2026-07-28 yet`);
    if (failure && !list) answer.fail(message.id, forStatelessEra(failure));
  }
  answer.end();
  return failure;
}

/** A read request. */
type RequestMessage = Extract<ClientMessage, { kind: 'request' }>;

/**
 * A requestState for a session-based upstream can only be one the gateway issued (such an
 * upstream knows none): one it does not hold was tampered with, has expired, or went to another
 * replica, and the call is refused rather than made afresh. A stateless upstream's own states
 * pass through to it.
 */
function unknownState(gw: GatewayRuntime, session: Session, upstream: string, requestState: unknown): Denial | undefined {
  if (requestState === undefined) return undefined;
  if (gw.facts.eraIn(session, upstream)?.asksInputBy === 'input-required') return undefined;
  return deny('INVALID_PARAMS', 'params.requestState is not one this gateway issued, or it expired; make the call again without it');
}

/** server/discover: the upstreams as one server, in the revision's shape. */
function answerDiscover(gw: GatewayRuntime, answer: Answer, id: JsonRpcId): void {
  const { capabilities, instructions } = serverFeatures(gw);
  const result: Record<string, unknown> = {
    resultType: 'complete',
    supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
    capabilities,
    ...CACHE_FIELDS,
    _meta: { [STATELESS_META.serverInfo]: { name: GATEWAY_NAME, version: GATEWAY_VERSION } },
  };
  if (instructions !== undefined) result['instructions'] = instructions;
  const response = { jsonrpc: '2.0', id, result };
  answer.event({ data: JSON.stringify(response) }, response);
}

/**
 * Sends a stateless request on, under an id of the gateway's own: a session the gateway holds
 * for the subject may carry several of the subject's requests at once, and their ids (each
 * chosen by a different HTTP request) could collide there. The answer gets the client's id back.
 */
async function forwardStateless(
  gw: GatewayRuntime,
  context: FanOutContext,
  request: JsonRpcRequest,
  clientId: JsonRpcId,
  upstream: string,
  subject: Subject,
  res: ServerResponse,
): Promise<Denial | undefined> {
  const gatewayId = `mcp-gateway-${(gw.nextRequestId++).toString(36)}`;
  // A session-based upstream's result lacks the revision's fields: it is complete, and (for a
  // read) not to be cached, since nothing says for how long it holds.
  const defaults = { resultType: 'complete', ...(request.method === 'resources/read' ? CACHE_FIELDS : {}) };
  const call = new ParkedCall(subject, upstream, gatewayId, defaults, context.answer, clientId);
  const job: Forwarding = {
    session: context.session,
    upstream,
    forwarded: context.forwarded,
    // The envelope of the revision goes only to a stateless upstream, which gets it from the
    // session (statelessRequest); a session-based one gets the message as its revision has it.
    body: JSON.stringify(withoutEnvelope({ ...request, id: gatewayId })),
    requestId: gatewayId,
    answer: call,
    departure: call.departure,
  };
  void forward(gw, job).then((failure) => call.finish(failure));
  // An error the upstream answered with is the audit trail's to tell, beside the gateway's own failures.
  return (await settle(gw, call, res, upstream)) ?? job.refused;
}

/**
 * A retry carrying the answers to a parked call's questions: each goes to the upstream as the
 * response to the request it answers, and the retry then receives the rest of the call.
 */
async function resumeCall(gw: GatewayRuntime, context: FanOutContext, call: ParkedCall, message: Extract<ClientMessage, { kind: 'request' }>, res: ServerResponse): Promise<Denial | undefined> {
  const responses = message.params?.['inputResponses'];
  for (const [key, value] of Object.entries(typeof responses === 'object' && responses !== null ? responses : {})) {
    const input = call.take(key);
    const origin = input && context.session.serverRequests.get(idKey(input.id));
    if (!input || !origin) continue;
    context.session.serverRequests.delete(idKey(input.id));
    await forward(gw, { session: context.session, upstream: origin.upstream, forwarded: context.forwarded, body: JSON.stringify({ jsonrpc: '2.0', id: origin.id, result: value }), requestId: undefined, answer: DISCARD_ANSWER, departure: call.departure });
  }
  call.attach(context.answer, message.id);
  return settle(gw, call, res, call.upstream);
}

/** Waits until the call's current request is answered; a call that needs input is parked for the retry. */
async function settle(gw: GatewayRuntime, call: ParkedCall, res: ServerResponse, upstream: string): Promise<Denial | undefined> {
  let parked = false;
  // The client leaving before its answer abandons the call (a parked call waits for its retry instead).
  res.once('close', () => {
    if (!res.writableFinished && !parked) call.departure.leave();
  });
  const settled = await call.settled();
  if (settled.kind === 'complete') return settled.failure;
  parked = true;
  gw.parked.park(call, gw.upstreams.get(upstream)?.timeoutMs ?? 30_000);
  return undefined;
}

/** Passes an answer on with the response to `from` renamed to `to`, its result given `extra` fields it lacks. */
class RenamedAnswer extends DelegatingAnswer {
  constructor(
    client: Answer,
    private readonly from: JsonRpcId,
    private readonly to: JsonRpcId,
    private readonly extra: Record<string, unknown> = {},
  ) {
    super(client);
  }

  override event(event: SseEvent, message: unknown): void {
    const record = message as { id?: unknown; method?: unknown; result?: unknown } | null;
    if (typeof record !== 'object' || record === null || record.method !== undefined || record.id !== this.from) {
      this.client.event(event, message);
      return;
    }
    // The extra fields are defaults: an upstream of the same revision has set them itself.
    const result = typeof record.result === 'object' && record.result !== null ? extend(this.extra, record.result) : record.result;
    const renamed = result === undefined ? { ...record, id: this.to } : { ...record, id: this.to, result };
    this.client.event({ ...event, data: JSON.stringify(renamed) }, renamed);
  }

  override fail(_id: JsonRpcId | null, denial: Denial): void {
    this.client.fail(this.to, forStatelessEra(denial));
  }
}

/** An answer whose response to `id` gets `fields` added to its result (list results: ttlMs, cacheScope, resultType). */
function withResultFields(answer: Answer, id: JsonRpcId, fields: Record<string, unknown>): Answer {
  return new RenamedAnswer(answer, id, id, { resultType: 'complete', ...fields });
}

/** A request without the stateless revision's envelope (see withoutStatelessEnvelope in core). */
function withoutEnvelope(request: JsonRpcRequest): JsonRpcRequest {
  const params = withoutStatelessEnvelope(request.params);
  if (params === request.params) return request;
  const { params: _sent, ...rest } = request;
  return params === undefined ? rest : { ...rest, params };
}
