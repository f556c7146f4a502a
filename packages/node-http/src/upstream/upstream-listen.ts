import type { ServerResponse } from 'node:http';
import type { JsonRpcRequest } from '@gw/core';
import type { Departure } from '../wire/departure.js';
import { UPSTREAM_ACCEPT, upstreamHeaders, type ForwardedHeaders } from './forward-headers.js';
import { EventRelay } from './relay.js';
import type { UpstreamRuntime } from './upstream-runtime.js';
import type { Session, UpstreamSession } from '../state/sessions.js';
import type { SseEvent } from '../wire/sse.js';
import { statelessRequest } from './stateless-era.js';
import { mediaTypeOf } from './upstream-answer.js';

/** Whether the client can take more now, and how to hear when it can again. */
export interface FlowControl {
  congested(): boolean;
  onceDrained(resume: () => void): void;
}

/** The flow of a client's response: full while its buffer is past its mark. */
export function responseFlow(res: ServerResponse): FlowControl {
  return {
    congested: () => res.writableNeedDrain,
    onceDrained: (resume) => void res.once('drain', resume),
  };
}

/**
 * A stateless upstream's own subscriptions/listen for `filter`, its notifications handed to
 * `deliver` until the client leaves or the upstream ends it. Resolves once the upstream has
 * acknowledged it (or refused it, failed, or let its timeoutMs pass), with the resources it
 * agreed to report on. It holds one of the upstream's stream places while open (none free:
 * nothing is opened, nothing agreed). Once acknowledged, the upstream is read only as fast as
 * `flow` lets the client take what it sends: a client that does not read holds no more than
 * its socket buffers.
 */
export function listenUpstream(
  gw: UpstreamRuntime,
  forwarded: ForwardedHeaders,
  flow: FlowControl,
  session: Session,
  request: JsonRpcRequest,
  name: string,
  open: UpstreamSession,
  filter: Record<string, unknown>,
  departure: Departure,
  deliver: (event: SseEvent, message: unknown) => void,
): Promise<string[]> {
  const client = gw.upstreams.get(name)!;
  const listen = { jsonrpc: '2.0', id: `mcp-gateway-listen-${(gw.nextRequestId++).toString(36)}`, method: 'subscriptions/listen', params: { _meta: request.params?.['_meta'], notifications: filter } };
  const prepared = statelessRequest(JSON.stringify(listen), session);
  if (!prepared || departure.gone) return Promise.resolve([]);
  const place = client.takeStream();
  if (!place) {
    gw.logger.warn('upstream listen not opened: upstreams[].maxStreams reached', { upstream: name });
    return Promise.resolve([]);
  }
  return new Promise((resolve) => {
    let settled = false;
    const settle = (uris: string[]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(uris);
    };
    const timer = setTimeout(() => settle([]), client.timeoutMs);
    let forget = (): void => undefined;
    let relay: EventRelay | undefined;
    let paused = false;
    const exchange = client.exchange(
      {
        method: 'POST',
        headers: {
          ...upstreamHeaders(forwarded, client, { protocolVersion: open.protocolVersion, accept: UPSTREAM_ACCEPT, contentType: 'application/json' }),
          ...prepared.headers,
        },
        body: prepared.body,
        stream: true,
      },
      {
        start(status, headers) {
          const type = mediaTypeOf(headers['content-type']);
          if (status !== 200 || type !== 'text/event-stream') return settle([]);
          relay = new EventRelay(session, name, {
            event(event, message) {
              const record = message as { method?: unknown; params?: { notifications?: { resourceSubscriptions?: unknown } } } | null;
              if (record?.method !== 'notifications/subscriptions/acknowledged') return deliver(event, message);
              const agreed = record.params?.notifications?.resourceSubscriptions;
              settle(Array.isArray(agreed) ? agreed.filter((uri): uri is string => typeof uri === 'string') : []);
            },
          });
        },
        data(chunk) {
          // One event past upstreams[].maxResponseBytes ends this upstream's listen; the others go on.
          if (relay && !relay.feed(chunk, client.maxResponseBytes)) return stop();
          if (settled && !paused && flow.congested()) {
            paused = true;
            exchange.pause();
            flow.onceDrained(() => {
              paused = false;
              exchange.resume();
            });
          }
        },
        end: () => stop(),
        error: () => stop(),
      },
    );
    function stop(): void {
      forget();
      exchange.abort();
      place!();
      settle([]);
    }
    forget = departure.on(stop);
  });
}
