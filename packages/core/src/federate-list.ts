import type { Catalog } from './catalog.js';
import type { Denial } from './errors.js';
import type { ListSpec } from './list-methods.js';
import type { Policy } from './policy.js';
import { placeMessage } from './decide.js';
import type { Router } from './routing.js';
import type { Subject } from './subject.js';

/** One page of a list, as one upstream answered it. */
export interface ListedPage {
  upstream: string;
  items: readonly unknown[];
  /** Whether this is the upstream's first page (asked without a cursor). */
  firstPage: boolean;
  /**
   * Everything the upstream lists, when the gateway read all its pages: names are decided over
   * whole lists, so a name shown on one page never changes on the next.
   */
  complete?: readonly unknown[];
}

/**
 * The items of several upstreams' pages as one list for one subject: recorded in the catalog,
 * shown under the names the client sees, and only those the subject could use, i.e. the policy
 * allows the call that uses the item and that call would reach the upstream that listed it (so a
 * client never sees what it cannot call). Under `federation.collisions: error` a collision
 * refuses the list.
 */
export function federateList(
  parts: { policy: Policy; router: Router; catalog: Catalog },
  subject: Subject,
  spec: ListSpec,
  pages: readonly ListedPage[],
): unknown[] | Denial {
  const { catalog } = parts;
  for (const page of pages) catalog.record(spec.kind, page.upstream, page.complete ?? page.items, page.firstPage || page.complete !== undefined);
  if (spec.named) {
    const collision = catalog.collisionError(spec.kind);
    if (collision) return collision;
  }
  const out: unknown[] = [];
  for (const page of pages) {
    for (const item of page.items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      const record = item as Record<string, unknown>;
      const key = record[spec.key];
      const name = spec.kind === 'resourceTemplates' ? record['name'] : key;
      if (typeof key !== 'string' || typeof name !== 'string') continue;
      const visible = catalog.visibleName(spec.kind, page.upstream, name);
      if (visible === undefined) continue;
      // Templates are used through URIs: policy and routing see the template itself. Shown only
      // when the call that uses it would be decided exactly so: allowed, and reaching this item.
      const target = { kind: spec.targetKind, name: spec.kind === 'resourceTemplates' ? key : visible };
      if (!parts.policy.authorize(subject, spec.useMethod, target).ok) continue;
      const placed = placeMessage(parts, subject, spec.useMethod, target, null);
      if (!placed.ok || placed.item?.upstream !== page.upstream || placed.item.name !== key) continue;
      out.push(visible === name || !spec.named ? item : { ...record, name: visible });
    }
  }
  return out;
}
