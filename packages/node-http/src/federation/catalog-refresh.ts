import { readTarget, type ClientMessage, type Decision, type ListKind, type ListSpec, type Subject, type TargetKind } from '@gw/core';
import { LIST_METHODS } from '@gw/core/internal';
import { askUpstreams, type FanOutContext } from './fan-out.js';
import { listingUpstreams, readRest } from './list-pages.js';
import type { CatalogRefresh, GatewayRuntime } from '../runtime.js';

/** A kind is listed again for an unknown name at most this often, so unknown names cannot cause a storm of lists. */
const REFRESH_INTERVAL_MS = 1_000;

/** The lists that can name a target of each kind. */
const LISTS_OF: Readonly<Record<TargetKind, readonly ListKind[]>> = {
  tool: ['tools'],
  prompt: ['prompts'],
  resource: ['resources', 'resourceTemplates'],
};

const SPEC_OF: ReadonlyMap<ListKind, ListSpec> = new Map([...LIST_METHODS.values()].map((spec) => [spec.kind, spec]));

/**
 * A message no routing rule sends anywhere, naming a tool, prompt or resource the catalog does
 * not know (the client called it without listing, or another replica did the listing): the
 * upstreams are listed once more and the message placed again (resolved, and the policy asked
 * about the item it reaches). It already passed the rate limit; it is not counted twice.
 */
export async function rerouteUnknown(gw: GatewayRuntime, context: FanOutContext, subject: Subject, message: ClientMessage, decision: Decision): Promise<Decision> {
  if (decision.ok || decision.name !== 'NO_ROUTE' || message.kind === 'response') return decision;
  const target = readTarget(message.method, message.params);
  if (target === null || 'ok' in target) return decision;
  await Promise.all(LISTS_OF[target.kind].map((kind) => refresh(gw, context, kind)));
  return gw.core.place(subject, message);
}

/**
 * Lists one kind on every upstream whose list of it the catalog lacks (at most once a second):
 * a resources/list for a subject with a template deny needs the templates to decide what to show.
 */
export function listUnknown(gw: GatewayRuntime, context: FanOutContext, kind: ListKind): Promise<void> {
  for (const upstream of gw.upstreams.keys()) if (!gw.core.catalog.knows(kind, upstream)) return refresh(gw, context, kind);
  return Promise.resolve();
}

function refresh(gw: GatewayRuntime, context: FanOutContext, kind: ListKind): Promise<void> {
  const byKind = gw.refreshes;
  const last = byKind.get(kind);
  if (last?.running) return last.running;
  if (last && Date.now() - last.at < REFRESH_INTERVAL_MS) return Promise.resolve();
  const state: CatalogRefresh = { at: Date.now() };
  state.running = listAll(gw, context, kind).finally(() => {
    delete state.running;
    state.at = Date.now();
  });
  byKind.set(kind, state);
  return state.running;
}

/** Lists one kind on every upstream, each to its last page, into the catalog. */
async function listAll(gw: GatewayRuntime, context: FanOutContext, kind: ListKind): Promise<void> {
  const spec = SPEC_OF.get(kind)!;
  const asked = listingUpstreams(gw, spec);
  // An upstream that offers no such list (its initialize said so) lists nothing: known, and empty.
  for (const upstream of gw.upstreams.keys()) if (!asked.includes(upstream)) gw.core.catalog.record(kind, upstream, [], true);
  const replies = await askUpstreams(gw, context, asked, { id: `mcp-gateway-catalog-${kind}`, method: spec.method, params: () => undefined });
  await Promise.all(
    replies.map(async (reply) => {
      if (!reply.ok) return;
      const first = reply.result[kind];
      const items = Array.isArray(first) ? first : [];
      const cursor = reply.result['nextCursor'];
      if (typeof cursor === 'string' && cursor !== '') items.push(...(await readRest(gw, context, spec, reply.upstream, cursor)));
      gw.core.catalog.record(kind, reply.upstream, items, true);
    }),
  );
}
