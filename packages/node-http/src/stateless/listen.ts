import { resolveTarget, streamMessageAllowed, type Denial, type JsonRpcId, type JsonRpcRequest, type Subject } from '@gw/core';
import { authorizeRead, deny, extend, STATELESS_META } from '@gw/core/internal';
import { askUpstreams, DISCARD_ANSWER } from '../federation/fan-out.js';
import { listUnknown } from '../federation/catalog-refresh.js';
import { Departure } from '../wire/departure.js';
import type { GatewayRuntime } from '../runtime.js';
import { learnUnknownProfiles } from '../federation/server-features.js';
import type { Session } from '../state/sessions.js';
import { formatSseEvent, SSE_HEADERS, type SseEvent } from '../wire/sse.js';
import { eraOf } from '../upstream/era-of.js';
import { admitStream, MergedStream, upstreamStreamsFull } from '../federation/merged-stream.js';
import { listenUpstream, type FlowControl } from '../upstream/upstream-listen.js';
import { upstreamSession } from '../upstream/upstream-sessions.js';
import type { ForwardedHeaders } from '../upstream/forward-headers.js';
import type { PostRequest } from '../http/post-request.js';

/** The list-change notifications a listen may ask for, by the filter flag that asks. */
const LIST_CHANGES = [
  ['toolsListChanged', 'notifications/tools/list_changed', 'tools'],
  ['promptsListChanged', 'notifications/prompts/list_changed', 'prompts'],
  ['resourcesListChanged', 'notifications/resources/list_changed', 'resources'],
] as const;

/**
 * subscriptions/listen (2026-07-28), the stateless revision's stream of list changes and
 * resource updates: an upstream held in a session for the subject has its GET stream merged in
 * (and the resources subscribed there), a stateless upstream is asked for a listen of its own.
 * What reaches the client is kept to what it asked for and the upstreams can send, every
 * notification tagged with the listen's id. The acknowledgement goes out once the stateless
 * upstreams acknowledged theirs and the session-based ones answered their GET streams, so that
 * a change made as soon as the client sees it is not missed. The client ends it by closing the stream; the resources it subscribed to are then
 * unsubscribed upstream. It obeys the policy like the calls it reports on: only a subject with
 * the right to a stream may listen, every resource it names must pass the policy of
 * resources/read, and a list change is honoured only for a list it may call (403 otherwise,
 * before any upstream hears of it); it holds one of the subject's stream places while open.
 */
export async function answerListen(gw: GatewayRuntime, post: PostRequest, session: Session, request: JsonRpcRequest): Promise<Denial | undefined> {
  const { res, subject, forwarded } = post;
  const admitted = admitStream(gw, subject);
  if (!admitted.ok) return admitted;
  const asked = (request.params?.['notifications'] ?? {}) as Record<string, unknown>;
  const uris = [...new Set((Array.isArray(asked['resourceSubscriptions']) ? asked['resourceSubscriptions'] : []).filter((uri): uri is string => typeof uri === 'string' && uri !== ''))];
  // A template deny decides a URI only once the upstreams' templates are known.
  if (uris.length > 0 && gw.core.policy.deniesTemplates(subject)) {
    await listUnknown(gw, { session, forwarded, answer: DISCARD_ANSWER, departure: new Departure() }, 'resourceTemplates');
  }
  const refused = await checkSubscriptions(gw, subject, uris);
  if (refused) {
    admitted.release();
    return refused;
  }
  const departure = new Departure();
  res.once('close', () => {
    admitted.release();
    departure.leave();
  });
  await learnUnknownProfiles(gw, session, forwarded);
  await Promise.all([...gw.upstreams.keys()].map((name) => upstreamSession(gw, session, name, forwarded).catch(() => undefined)));
  const full = upstreamStreamsFull(gw, session.ready.keys());
  if (full) {
    admitted.release();
    return full;
  }

  const honoured: Record<string, unknown> = {};
  const wanted = new Set<string>();
  for (const [flag, method, capability] of LIST_CHANGES) {
    const offered = [...session.ready.values()].some((open) => (open.capabilities[capability] as { listChanged?: unknown } | undefined)?.listChanged === true);
    // Changes of a list reach only a subject that may call it.
    if (asked[flag] === true && offered && streamMessageAllowed(gw.core, subject, { method })) {
      honoured[flag] = true;
      wanted.add(method);
    }
  }
  /** Resources reported on: subscribed at a session-based upstream, or agreed by a stateless one's listen. */
  const subscribed = await subscribe(gw, forwarded, session, uris, departure);
  const listened = new Set<string>();

  const tag = (params: unknown): Record<string, unknown> => {
    const record = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
    const meta = typeof record['_meta'] === 'object' && record['_meta'] !== null ? (record['_meta'] as Record<string, unknown>) : {};
    return extend(record, { _meta: extend(meta, { [STATELESS_META.subscriptionId]: request.id }) });
  };
  // What arrives before the acknowledgement is written waits for it.
  let waiting: SseEvent[] | undefined = [];
  const pass = (_event: SseEvent, message: unknown): SseEvent | undefined => {
    const record = message as { method?: unknown; params?: { uri?: unknown } } | null;
    if (typeof record !== 'object' || record === null || typeof record.method !== 'string') return undefined;
    const uri = record.params?.uri;
    const keep = wanted.has(record.method) || (record.method === 'notifications/resources/updated' && typeof uri === 'string' && (subscribed.has(uri) || listened.has(uri)));
    if (!keep) return undefined;
    const out = { data: JSON.stringify(extend(record, { params: tag(record.params) })) } satisfies SseEvent;
    if (!waiting) return out;
    waiting.push(out);
    return undefined;
  };
  const write = (event: SseEvent, message: unknown): void => {
    const out = pass(event, message);
    if (out && !res.writableEnded) res.write(formatSseEvent(out));
  };
  // The stateless upstreams' listens are read only as fast as the client reads, and not at all
  // while the acknowledgement waits: what they send cannot pile up in the gateway.
  const resumers: (() => void)[] = [];
  const flow: FlowControl = {
    congested: () => waiting !== undefined || res.writableNeedDrain,
    onceDrained: (resume) => {
      if (waiting) resumers.push(resume);
      else res.once('drain', resume);
    },
  };

  await Promise.all(
    [...session.ready].map(async ([name, open]) => {
      if (eraOf(open).reportsChangesBy !== 'listen') return;
      const filter: Record<string, unknown> = {};
      for (const [flag, , capability] of LIST_CHANGES) {
        if (honoured[flag] === true && (open.capabilities[capability] as { listChanged?: unknown } | undefined)?.listChanged === true) filter[flag] = true;
      }
      const mine = uris.filter((uri) => routesTo(gw, uri) === name);
      if (mine.length > 0) filter['resourceSubscriptions'] = mine;
      if (Object.keys(filter).length === 0) return;
      for (const uri of await listenUpstream(gw, forwarded, flow, session, request, name, open, filter, departure, write)) if (mine.includes(uri)) listened.add(uri);
    }),
  );
  if (departure.gone) {
    void unsubscribe(gw, forwarded, session, subscribed);
    return undefined;
  }
  if (subscribed.size + listened.size > 0) honoured['resourceSubscriptions'] = [...subscribed.keys(), ...listened];

  // The session-based upstreams' GET streams carry their list changes and updates: open before
  // the acknowledgement too (what they send meanwhile waits for it), for the same reason.
  const stream = new MergedStream(gw, session, forwarded, res, undefined, pass);
  for (const [name, open] of session.ready) if (eraOf(open).reportsChangesBy === 'get-stream') stream.attach(name);
  await stream.started();
  if (departure.gone) {
    stream.close();
    void unsubscribe(gw, forwarded, session, subscribed);
    return undefined;
  }

  res.writeHead(200, SSE_HEADERS);
  const acknowledged = { jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: tag({ notifications: honoured }) };
  res.write(formatSseEvent({ data: JSON.stringify(acknowledged) }));
  for (const event of waiting) res.write(formatSseEvent(event));
  waiting = undefined;
  for (const resume of resumers.splice(0)) {
    if (res.writableNeedDrain) res.once('drain', resume);
    else resume();
  }

  res.once('close', () => {
    stream.close();
    void unsubscribe(gw, forwarded, session, subscribed);
  });
  return undefined;
}

/** How many resources one listen may subscribe to: each is a request upstream. */
export const MAX_LISTEN_SUBSCRIPTIONS = 100;

/**
 * A listen's resource subscriptions, before any upstream hears of them: at most
 * MAX_LISTEN_SUBSCRIPTIONS, each taking the same right as reading it (in either era), and each
 * counted against the rate limit as the resources/subscribe it becomes.
 */
async function checkSubscriptions(gw: GatewayRuntime, subject: Subject, uris: readonly string[]): Promise<Denial | undefined> {
  if (uris.length > MAX_LISTEN_SUBSCRIPTIONS) {
    return deny('INVALID_PARAMS', `resourceSubscriptions names ${uris.length} resources; one listen takes at most ${MAX_LISTEN_SUBSCRIPTIONS}`);
  }
  for (const uri of uris) {
    const read = authorizeRead(gw.core, subject, uri);
    if (!read.ok) return read;
  }
  for (let i = 0; i < uris.length; i++) {
    const limited = await gw.core.rateLimiter.consume(subject, 'resources/subscribe');
    if (!limited.ok) return limited;
  }
  return undefined;
}

/** The upstream a resource URI routes to, if any. */
function routesTo(gw: GatewayRuntime, uri: string): string | undefined {
  const route = resolveTarget(gw.core.router, gw.core.catalog, 'resources/subscribe', { kind: 'resource', name: uri });
  return route.ok && route.upstream !== null ? route.upstream : undefined;
}

/** Subscribes each URI at the session-based upstream that serves it; returns the URIs subscribed, with their upstream. */
async function subscribe(gw: GatewayRuntime, forwarded: ForwardedHeaders, session: Session, uris: string[], departure: Departure): Promise<Map<string, string>> {
  const subscribed = new Map<string, string>();
  await Promise.all(
    uris.map(async (uri) => {
      const upstream = routesTo(gw, uri);
      const open = upstream === undefined ? undefined : session.ready.get(upstream);
      // A stateless upstream reports on resources through its own listen.
      if (upstream === undefined || (open !== undefined && eraOf(open).reportsChangesBy === 'listen')) return;
      const [reply] = await askUpstreams(gw, { session, forwarded, answer: DISCARD_ANSWER, departure }, [upstream], { id: subscriptionRequestId(gw), method: 'resources/subscribe', params: () => ({ uri }) });
      if (reply?.ok) subscribed.set(uri, upstream);
    }),
  );
  return subscribed;
}

async function unsubscribe(gw: GatewayRuntime, forwarded: ForwardedHeaders, session: Session, subscribed: Map<string, string>): Promise<void> {
  await Promise.all(
    [...subscribed].map(([uri, upstream]) =>
      askUpstreams(gw, { session, forwarded, answer: DISCARD_ANSWER, departure: new Departure() }, [upstream], { id: subscriptionRequestId(gw), method: 'resources/unsubscribe', params: () => ({ uri }) }),
    ),
  );
}

function subscriptionRequestId(gw: GatewayRuntime): JsonRpcId {
  return `mcp-gateway-subscribe-${(gw.nextRequestId++).toString(36)}`;
}
