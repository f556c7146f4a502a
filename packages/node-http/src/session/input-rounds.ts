import type { Denial, JsonRpcId, JsonRpcRequest } from '@gw/core';
import { deny, extend } from '@gw/core/internal';
import type { Answer } from '../wire/answer.js';
import { CaptureAnswer, type FanOutContext } from '../federation/fan-out.js';
import { forward, refusalOf } from '../upstream/forward.js';
import { errorCodeIn } from '../upstream/relay.js';
import type { GatewayRuntime } from '../runtime.js';
import { idKey, type Session } from '../state/sessions.js';

/** Rounds of input one call may ask for before the gateway gives up on it. */
const MAX_ROUNDS = 8;

/**
 * Takes a client's response to a request the gateway itself sent it (an input round, below).
 * Returns false when no such request waits for it.
 */
export function answerInputRequest(gw: GatewayRuntime, session: Session, id: JsonRpcId, message: { result?: unknown; error?: unknown }): boolean {
  const waiters = gw.inputWaiters.get(session);
  const resolve = waiters?.get(idKey(id));
  if (!resolve || !waiters) return false;
  waiters.delete(idKey(id));
  resolve(message);
  return true;
}

/**
 * A session-based (2025) client calling a stateless (2026-07-28) upstream: where the upstream
 * answers `input_required` (it needs an elicitation, a sampling or the roots), the gateway asks
 * the client as a 2025 server would, with server-to-client requests on the call's event stream,
 * then calls the upstream again with the answers (`inputResponses`) and its `requestState`,
 * until the result is complete. The client sees one call.
 */
export async function forwardWithInputRounds(
  gw: GatewayRuntime,
  context: FanOutContext,
  request: JsonRpcRequest,
  upstream: string,
): Promise<Denial | undefined> {
  let params = request.params ?? {};
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const capture = new CaptureAnswer(context.answer, request.id);
    const failure = await forward(gw, { session: context.session, upstream, forwarded: context.forwarded, body: JSON.stringify({ ...request, params }), requestId: request.id, answer: capture, departure: context.departure });
    const response = capture.response;
    if (failure || !response) return fail(context.answer, request.id, failure ?? capture.denial ?? deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" ended its answer without responding`));
    const result = response.result as { resultType?: unknown; inputRequests?: unknown; requestState?: unknown } | undefined;
    if (result?.resultType !== 'input_required') {
      context.answer.event({ data: JSON.stringify(response) }, response);
      return refusalOf(upstream, errorCodeIn(response));
    }
    if (!context.answer.streams) {
      return fail(context.answer, request.id, deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" needs input from the client, which the gateway can only ask for on an event stream; accept text/event-stream`));
    }
    const inputRequests = typeof result.inputRequests === 'object' && result.inputRequests !== null ? Object.entries(result.inputRequests as Record<string, unknown>) : [];
    const answers = await Promise.all(inputRequests.map(async ([key, input]) => [key, await askClient(gw, context, upstream, input)] as const));
    const refused = answers.find(([, answer]) => isDenial(answer));
    if (refused) return fail(context.answer, request.id, refused[1] as Denial);
    const { inputResponses: _previous, requestState: _state, ...rest } = params;
    params = extend(rest, { inputResponses: Object.fromEntries(answers) });
    if (typeof result.requestState === 'string') params['requestState'] = result.requestState;
  }
  return fail(context.answer, request.id, deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" asked for input more than ${MAX_ROUNDS} times in one call`));
}

/** Sends the client one request of an input round and waits (within the upstream's timeout) for its answer. */
function askClient(gw: GatewayRuntime, context: FanOutContext, upstream: string, input: unknown): Promise<unknown> {
  const { method, params } = (input ?? {}) as { method?: unknown; params?: unknown };
  if (typeof method !== 'string') return Promise.resolve(deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" asked for an input without a method`));
  const id = `mcp-gateway-input-${(gw.nextRequestId++).toString(36)}`;
  let waiters = gw.inputWaiters.get(context.session);
  if (!waiters) gw.inputWaiters.set(context.session, (waiters = new Map()));
  const timeoutMs = gw.upstreams.get(upstream)?.timeoutMs ?? 30_000;
  return new Promise((resolve) => {
    const done = (value: unknown): void => {
      clearTimeout(timer);
      stop();
      waiters.delete(idKey(id));
      resolve(value);
    };
    const timer = setTimeout(() => done(deny('UPSTREAM_TIMEOUT', `the client did not answer ${method} within ${timeoutMs} ms`)), timeoutMs);
    const stop = context.departure.on(() => done(deny('BAD_REQUEST', 'the client went away during an input round')));
    waiters.set(idKey(id), (message) => done(message.error === undefined ? message.result : deny('UPSTREAM_BAD_RESPONSE', `the client refused ${method}`)));
    const asking = { jsonrpc: '2.0', id, method, params: params ?? {} };
    context.answer.event({ data: JSON.stringify(asking) }, asking);
  });
}

function isDenial(value: unknown): value is Denial {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}

function fail(answer: Answer, id: JsonRpcId, denial: Denial): Denial {
  answer.fail(id, denial);
  return denial;
}
