import type { Denial, JsonRpcId } from '@gw/core';
import { DelegatingAnswer, type Answer } from '../wire/answer.js';
import type { Departure } from '../wire/departure.js';
import type { ForwardedHeaders } from '../upstream/forward-headers.js';
import { forward } from '../upstream/forward.js';
import type { GatewayRuntime } from '../runtime.js';
import type { Session } from '../state/sessions.js';
import type { SseEvent } from '../wire/sse.js';

/** Where what upstreams send beside the answer goes when no client is listening (a catalog refresh). */
export const DISCARD_ANSWER: Readonly<Answer> = {
  event: () => undefined,
  eventBytes: () => undefined,
  fail: () => undefined,
  end: () => undefined,
  gone: false,
  streams: false,
  congested: false,
  onceDrained: (resume) => resume(),
};

/** What one upstream answered a request the gateway sent it on the client's behalf. */
export type UpstreamReply =
  | { upstream: string; ok: true; result: Record<string, unknown> }
  | { upstream: string; ok: false; denial?: Denial; error?: { code?: unknown; message?: unknown } };

/**
 * Holds the response to the gateway's own request and lets everything else the upstream sends
 * meanwhile (progress, log messages, server-to-client requests) through to the client.
 */
export class CaptureAnswer extends DelegatingAnswer {
  response: { result?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  denial: Denial | undefined;

  constructor(
    client: Answer,
    private readonly id: JsonRpcId,
  ) {
    super(client);
  }

  override event(event: SseEvent, message: unknown): void {
    const record = message as { id?: unknown; method?: unknown } | null;
    if (typeof record === 'object' && record !== null && record.method === undefined && record.id === this.id) {
      this.response = record as CaptureAnswer['response'];
      return;
    }
    this.client.event(event, message);
  }

  override fail(_id: JsonRpcId | null, denial: Denial): void {
    this.denial = denial;
  }
}

/** What asking several upstreams needs from the client's POST. */
export interface FanOutContext {
  session: Session;
  forwarded: ForwardedHeaders;
  answer: Answer;
  departure: Departure;
}

/**
 * Sends one request to each of `upstreams` in the client's session, at once, and collects their
 * answers (each bounded by its upstream's timeout). A failing upstream fails alone: the others'
 * answers still come back, and the failure is logged by forward().
 */
export function askUpstreams(
  gw: GatewayRuntime,
  context: FanOutContext,
  upstreams: readonly string[],
  request: { id: JsonRpcId; method: string; params: (upstream: string) => Record<string, unknown> | undefined },
): Promise<UpstreamReply[]> {
  return Promise.all(
    upstreams.map(async (upstream): Promise<UpstreamReply> => {
      const capture = new CaptureAnswer(context.answer, request.id);
      const params = request.params(upstream);
      const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id: request.id, method: request.method } : { jsonrpc: '2.0', id: request.id, method: request.method, params });
      const failure = await forward(gw, { session: context.session, upstream, forwarded: context.forwarded, body, requestId: request.id, answer: capture, departure: context.departure, bounded: true });
      const response = capture.response;
      if (failure || !response) return { upstream, ok: false, denial: failure ?? capture.denial };
      const result = response.result;
      if (typeof result === 'object' && result !== null && !Array.isArray(result)) return { upstream, ok: true, result: result as Record<string, unknown> };
      return { upstream, ok: false, error: response.error ?? { message: 'no result' } };
    }),
  );
}
