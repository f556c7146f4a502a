import type { Catalog } from './catalog.js';
import { deny, type Denial } from './errors.js';
import type { Router } from './routing.js';
import type { Target, TargetKind } from './target.js';

/** The upstream item a message acts on: where it lives and the name (or URI) it has there. */
export interface ResolvedItem {
  kind: TargetKind;
  upstream: string;
  name: string;
}

/** Where a message goes and, when it names one, the item it reaches there, with every name that item goes by. */
export type Resolution = { ok: true; upstream: string; item: ResolvedItem | null; aliases: readonly string[] } | Denial;

/**
 * The one place a name the client sent becomes the item it reaches. A routing rule decides the
 * upstream first (the operator's word) and the upstream's own name for the target follows from
 * what it listed; without a rule, only a name the catalog listed reaches anything. Listing,
 * authorization, routing, check(), completion refs, subscriptions and audit all go through here,
 * so no spelling of a name reaches an item by a path the policy did not look at.
 */
export function resolveTarget(router: Router, catalog: Catalog, method: string, target: Target | null): Resolution {
  const routed = router.route(method, target);
  if (routed.ok) {
    if (!target) return { ok: true, upstream: routed.upstream, item: null, aliases: [] };
    const name = catalog.nameOn(routed.upstream, target);
    if (name === undefined) return noSuchItem(method, target);
    return resolved(catalog, target.kind, routed.upstream, name);
  }
  if (!target) return routed;
  const owner = catalog.find(target);
  if (owner === undefined) return routed;
  if ('ok' in owner) return owner;
  return resolved(catalog, target.kind, owner.upstream, owner.name);
}

function resolved(catalog: Catalog, kind: TargetKind, upstream: string, name: string): Resolution {
  return { ok: true, upstream, item: { kind, upstream, name }, aliases: catalog.aliases(kind, upstream, name) };
}

/** The same answer as a name nothing lists, so a refusal tells nothing of what exists. */
function noSuchItem(method: string, target: Target): Denial {
  return deny('NO_ROUTE', `no upstream serves ${method} (${target.kind} "${target.name}")`);
}
