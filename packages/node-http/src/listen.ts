import type { IncomingMessage, ServerResponse } from 'node:http';
import { MODERN_META, routeMessage, type JsonRpcId, type JsonRpcRequest } from '@gw/core';
import { askUpstreams, DISCARD_ANSWER } from './fan-out.js';
import { Departure } from './departure.js';
import { MergedStream } from './get-stream.js';
import type { GatewayRuntime } from './runtime.js';
import { learnUnknownProfiles } from './server-features.js';
import type { Session } from './sessions.js';
import { formatSseEvent, SSE_HEADERS, type SseEvent } from './sse.js';
import { upstreamSession } from './upstream-sessions.js';

/** The list-change notifications a listen may ask for, by the filter flag that asks. */
const LIST_CHANGES = [
  ['toolsListChanged', 'notifications/tools/list_changed', 'tools'],
  ['promptsListChanged', 'notifications/prompts/list_changed', 'prompts'],
  ['resourcesListChanged', 'notifications/resources/list_changed', 'resources'],
] as const;

/**
 * subscriptions/listen (2026-07-28), the stateless revision's stream of list changes and
 * resource updates, for upstreams held in a session for the subject: each one's GET stream is
 * merged in, kept to what the client asked for and the upstreams can send, every notification
 * tagged with the listen's id. The client ends it by closing the stream; the resources it
 * subscribed to are then unsubscribed upstream.
 */
export async function answerListen(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse, session: Session, request: JsonRpcRequest): Promise<void> {
  const asked = (request.params?.['notifications'] ?? {}) as Record<string, unknown>;
  await learnUnknownProfiles(gw, session, req.headers);
  await Promise.all([...gw.upstreams.keys()].map((name) => upstreamSession(gw, session, name, req.headers).catch(() => undefined)));

  const honoured: Record<string, unknown> = {};
  const wanted = new Set<string>();
  for (const [flag, method, capability] of LIST_CHANGES) {
    const offered = [...session.ready.values()].some((open) => (open.capabilities[capability] as { listChanged?: unknown } | undefined)?.listChanged === true);
    if (asked[flag] === true && offered) {
      honoured[flag] = true;
      wanted.add(method);
    }
  }
  const departure = new Departure();
  const subscribed = await subscribe(gw, req, session, Array.isArray(asked['resourceSubscriptions']) ? asked['resourceSubscriptions'] : [], departure);
  if (subscribed.size > 0) honoured['resourceSubscriptions'] = [...subscribed.keys()];

  const tag = (params: unknown): Record<string, unknown> => {
    const record = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
    const meta = typeof record['_meta'] === 'object' && record['_meta'] !== null ? (record['_meta'] as Record<string, unknown>) : {};
    return { ...record, _meta: { ...meta, [MODERN_META.subscriptionId]: request.id } };
  };
  res.writeHead(200, SSE_HEADERS);
  const acknowledged = { jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: tag({ notifications: honoured }) };
  res.write(formatSseEvent({ data: JSON.stringify(acknowledged) }));

  const stream = new MergedStream(gw, session, req, res, undefined, (_event, message) => {
    const record = message as { method?: unknown; params?: { uri?: unknown } } | null;
    if (typeof record !== 'object' || record === null || typeof record.method !== 'string') return undefined;
    const keep = wanted.has(record.method) || (record.method === 'notifications/resources/updated' && typeof record.params?.uri === 'string' && subscribed.has(record.params.uri));
    if (!keep) return undefined;
    const tagged = { ...record, params: tag(record.params) };
    return { data: JSON.stringify(tagged) } satisfies SseEvent;
  });
  for (const name of session.ready.keys()) stream.attach(name);
  res.once('close', () => {
    stream.close();
    departure.leave();
    void unsubscribe(gw, req, session, subscribed);
  });
}

/** Subscribes each URI at the upstream that serves it; returns the URIs subscribed, with their upstream. */
async function subscribe(gw: GatewayRuntime, req: IncomingMessage, session: Session, uris: unknown[], departure: Departure): Promise<Map<string, string>> {
  const subscribed = new Map<string, string>();
  await Promise.all(
    uris.map(async (uri) => {
      if (typeof uri !== 'string' || uri === '') return;
      const route = routeMessage(gw.core.router, gw.core.catalog, 'resources/subscribe', { kind: 'resource', name: uri });
      if (!route.ok) return;
      const [reply] = await askUpstreams(gw, { session, clientHeaders: req.headers, answer: DISCARD_ANSWER, departure }, [route.upstream], { id: subscriptionRequestId(), method: 'resources/subscribe', params: () => ({ uri }) });
      if (reply?.ok) subscribed.set(uri, route.upstream);
    }),
  );
  return subscribed;
}

async function unsubscribe(gw: GatewayRuntime, req: IncomingMessage, session: Session, subscribed: Map<string, string>): Promise<void> {
  await Promise.all(
    [...subscribed].map(([uri, upstream]) =>
      askUpstreams(gw, { session, clientHeaders: req.headers, answer: DISCARD_ANSWER, departure: new Departure() }, [upstream], { id: subscriptionRequestId(), method: 'resources/unsubscribe', params: () => ({ uri }) }),
    ),
  );
}

let nextSubscriptionRequest = 0;
function subscriptionRequestId(): JsonRpcId {
  return `mcp-gateway-subscribe-${(nextSubscriptionRequest++).toString(36)}`;
}
