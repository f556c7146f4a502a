import type { Denial, JsonRpcRequest, ListedPage, ListSpec, Subject } from '@gw/core';
import { decodeListCursor, deny, encodeListCursor, extend, withoutStatelessEnvelope } from '@gw/core/internal';
import { askUpstreams, DISCARD_ANSWER, type FanOutContext } from './fan-out.js';
import { listUnknown } from './catalog-refresh.js';
import { cursorOf, itemsOf, listingUpstreams, readRest } from './list-pages.js';
import type { GatewayRuntime } from '../runtime.js';

/**
 * Answers tools/list, prompts/list, resources/list or resources/templates/list for the session:
 * each upstream that may have such things is asked for its page at once, and the pages become
 * one list (named, filtered for the subject: see federateList in core). The gateway's cursor
 * holds each unfinished upstream's own cursor. An upstream that fails is left out of this
 * answer (and logged); the list fails only when every upstream asked failed.
 */
export async function answerList(
  gw: GatewayRuntime,
  context: FanOutContext & { subject: Subject },
  request: JsonRpcRequest,
  spec: ListSpec,
): Promise<Denial | undefined> {
  const params = request.params ?? {};
  let positions: ReadonlyMap<string, string | undefined>;
  if (params['cursor'] === undefined) {
    positions = new Map(listingUpstreams(gw, spec).map((upstream) => [upstream, undefined]));
  } else {
    const decoded = decodeListCursor(spec.kind, params['cursor'], new Set(gw.upstreams.keys()));
    if (!('size' in decoded)) return refuse(context, request, decoded);
    positions = decoded;
  }

  const upstreams = [...positions.keys()];
  const replies = await askUpstreams(gw, context, upstreams, {
    id: request.id,
    method: spec.method,
    params: (upstream) => {
      const cursor = positions.get(upstream);
      // A stateless client's envelope is the session's to give (statelessRequest), never passed on.
      const { cursor: _client, ...rest } = withoutStatelessEnvelope(params) ?? {};
      return cursor === undefined ? (Object.keys(rest).length > 0 ? rest : undefined) : extend(rest, { cursor });
    },
  });

  const pages: ListedPage[] = [];
  const next = new Map<string, string>();
  let firstFailure: Denial | undefined;
  for (const reply of replies) {
    if (!reply.ok) {
      firstFailure ??= reply.denial;
      // Its items are missing from the list: never silent. Counted as the upstream's failure
      // (metrics, /health), warned once per cause.
      if (!reply.denial) {
        const refusal = deny('UPSTREAM_BAD_RESPONSE', `upstream "${reply.upstream}" refused ${spec.method}: ${String(reply.error?.code)} ${String(reply.error?.message).slice(0, 200)}`);
        if (gw.metrics.refused(reply.upstream, refusal)) gw.logger.warn('upstream refused a list: its items are left out', { upstream: reply.upstream, method: spec.method, error: reply.error });
      }
      continue;
    }
    const items = itemsOf(reply.result, spec);
    const firstPage = positions.get(reply.upstream) === undefined;
    const nextCursor = cursorOf(reply.result);
    if (nextCursor !== undefined) next.set(reply.upstream, nextCursor);
    pages.push({ upstream: reply.upstream, items, firstPage });
  }
  // An upstream that pages: its whole list is read once, on the first page, so that the names
  // shown (collisions!) are decided over everything and stay the same from page to page.
  await Promise.all(
    pages.map(async (page) => {
      const cursor = next.get(page.upstream);
      if (page.firstPage && cursor !== undefined) page.complete = [...page.items, ...(await readRest(gw, context, spec, page.upstream, cursor))];
    }),
  );
  // Every upstream asked failed: the client learns why rather than getting an empty list.
  if (pages.length === 0 && firstFailure) return refuse(context, request, firstFailure);

  // A template deny hides the resources read through the template: the templates must be known.
  if (spec.kind === 'resources' && gw.core.policy.deniesTemplates(context.subject)) await listUnknown(gw, extend(context, { answer: DISCARD_ANSWER }), 'resourceTemplates');
  const items = gw.core.federateList(context.subject, spec, pages);
  if (!Array.isArray(items)) {
    gw.logger.warn('upstreams offer the same name', { method: spec.method, error: items.error.message, collisions: gw.core.catalog.naming(spec.kind).collisions.slice(0, 20) });
    return refuse(context, request, items);
  }
  logCollisions(gw, spec);
  const result: Record<string, unknown> = { [spec.kind]: items };
  if (next.size > 0) result['nextCursor'] = encodeListCursor(spec.kind, next);
  // The revision's caching hint, combined: the shortest any upstream gave (none given counts as 0),
  // and always private, since the list was filtered for this subject.
  const ttls = replies.map((reply) => (reply.ok && typeof reply.result['ttlMs'] === 'number' && reply.result['ttlMs'] > 0 ? reply.result['ttlMs'] : 0));
  result['ttlMs'] = ttls.length === 0 ? 0 : Math.min(...ttls);
  result['cacheScope'] = 'private';
  const response = { jsonrpc: '2.0', id: request.id, result };
  context.answer.event({ data: JSON.stringify(response) }, response);
  return undefined;
}

/** Says once per change of the names which ones two upstreams share, and how they were resolved. */
function logCollisions(gw: GatewayRuntime, spec: ListSpec): void {
  if (!spec.named) return;
  const naming = gw.core.catalog.naming(spec.kind);
  if (naming.collisions.length === 0 || gw.loggedNamings.has(naming)) return;
  gw.loggedNamings.add(naming);
  const policy = gw.options.federation.collisions;
  gw.logger.info('upstreams offer the same names', { list: spec.method, policy, collisions: naming.collisions.slice(0, 20) });
}

function refuse(context: FanOutContext, request: JsonRpcRequest, denial: Denial): Denial {
  context.answer.fail(request.id, denial);
  return denial;
}
