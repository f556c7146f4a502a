import type { Catalog } from './catalog.js';
import type { Denial } from './errors.js';
import type { Router } from './routing.js';
import type { Target } from './target.js';

/** The upstream a message goes to and, when it differs, the name that upstream knows the target by. */
export type MessageRoute = { ok: true; upstream: string; name: string | undefined } | Denial;

/**
 * Routes one message. A routing rule decides first (the operator's word); without one, a target
 * goes to the upstream that listed it under the name the client sees. Either way a name the
 * gateway showed prefixed or renamed reaches the upstream as the upstream's own.
 */
export function routeMessage(router: Router, catalog: Catalog, method: string, target: Target | null): MessageRoute {
  const routed = router.route(method, target);
  if (routed.ok) {
    const name = target ? catalog.originalName(routed.upstream, target) : undefined;
    return { ok: true, upstream: routed.upstream, name: name === target?.name ? undefined : name };
  }
  if (!target) return routed;
  const owner = catalog.resolve(target);
  if (owner === undefined) return routed;
  if ('ok' in owner) return owner;
  return { ok: true, upstream: owner.upstream, name: owner.name === target.name ? undefined : owner.name };
}
