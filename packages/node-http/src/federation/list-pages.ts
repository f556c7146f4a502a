import type { ListSpec } from '@gw/core';
import { askUpstreams, type FanOutContext } from './fan-out.js';
import type { GatewayRuntime } from '../runtime.js';

// Reading upstreams' list pages: which upstreams are asked, and the pages after the first. Shared
// by the lists the gateway answers (lists.ts) and the catalog's own refreshes (catalog-refresh.ts).

/** How many pages of one upstream the gateway reads in a row at most. */
const MAX_PAGES = 100;

/** An upstream's pages from `cursor` to the end (bounded); a failure ends the reading with what came. */
export async function readRest(gw: GatewayRuntime, context: FanOutContext, spec: ListSpec, upstream: string, cursor: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let position: string | undefined = cursor;
  for (let page = 0; position !== undefined && page < MAX_PAGES; page++) {
    const at: string = position;
    const [reply] = await askUpstreams(gw, context, [upstream], { id: `mcp-gateway-${spec.kind}-page`, method: spec.method, params: () => ({ cursor: at }) });
    if (!reply?.ok) break;
    items.push(...itemsOf(reply.result, spec));
    position = cursorOf(reply.result);
  }
  return items;
}

export function itemsOf(result: Record<string, unknown>, spec: ListSpec): unknown[] {
  const items = result[spec.kind];
  return Array.isArray(items) ? items : [];
}

export function cursorOf(result: Record<string, unknown>): string | undefined {
  const cursor = result['nextCursor'];
  return typeof cursor === 'string' && cursor !== '' ? cursor : undefined;
}

/**
 * The upstreams asked for a first page: all of them, except those known (from their initialize)
 * not to offer this kind of thing.
 */
export function listingUpstreams(gw: GatewayRuntime, spec: ListSpec): string[] {
  return [...gw.upstreams.keys()].filter((upstream) => {
    const profile = gw.facts.profile(upstream);
    return profile === undefined || profile.capabilities[spec.capability] !== undefined;
  });
}

