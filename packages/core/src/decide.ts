import type { Catalog } from './catalog.js';
import type { ClientMessage } from './envelope.js';
import { deny, type Denial } from './errors.js';
import { LIST_METHODS } from './list-methods.js';
import type { AuthorizeResult, Policy } from './policy.js';
import { PROTOCOL_METHODS } from './protocol-methods.js';
import { isPending } from './pending.js';
import type { RateLimiter, RateLimitInfo, RateLimitResult } from './rate-limit.js';
import { resolveTarget, type ResolvedItem } from './resolve-target.js';
import type { Router } from './routing.js';
import type { Subject } from './subject.js';
import { readTarget, type Target } from './target.js';

const SUBSCRIBE = 'resources/subscribe';

/** Sent by the gateway to every upstream of the session, since each keeps its own log level. */
const SET_LEVEL = 'logging/setLevel';

/** The decision for one message of an authenticated subject. */
export type Decision =
  | {
      ok: true;
      /**
       * The upstream to forward to, or `null` when the gateway handles the message itself: the
       * protocol methods (initialize, ping, the client's session notifications), the lists it
       * federates, `logging/setLevel` (sent to every upstream) and responses to server-to-client
       * requests, which go back to the upstream that asked.
       */
      upstream: string | null;
      /** The tool, resource or prompt the message names, as the client sent it, if any. */
      target: Target | null;
      /** The upstream item that name reaches (what runs), when the message goes to an upstream. */
      item: ResolvedItem | null;
      /**
       * The name the upstream knows the target by, when it differs from the one the client sent
       * (the client sees it prefixed or renamed); the data plane rewrites the message with it.
       */
      name?: string;
      /** The counters after this message (a client's responses count under `response`). */
      rateLimit: RateLimitInfo | null;
    }
  | Denial;

/**
 * Decides one message, in the order of the gateway's flow: what it targets, whether the policy
 * allows the name it sent, whether the rate limit has room, and where it goes (placeMessage).
 * Responses from the client answer a server's request; they are not policy-checked (the server
 * asked for them) but count against the rate limit, and the data plane sends them to the
 * upstream that asked.
 */
export function decideMessage(
  parts: DecideParts,
  subject: Subject,
  message: ClientMessage,
): Decision | Promise<Decision> {
  if (message.kind === 'response') {
    const limited = parts.rateLimiter.consume(subject, RESPONSE_METHOD);
    return isPending(limited) ? limited.then(answerToServer) : answerToServer(limited);
  }
  const target = readTarget(message.method, message.params);
  if (target !== null && 'ok' in target) return target;
  const allowed = parts.policy.authorize(subject, message.method, target);
  if (!allowed.ok) return allowed;
  const limited = parts.rateLimiter.consume(subject, message.method);
  return isPending(limited) ? limited.then((result) => afterRateLimit(parts, subject, message.method, target, result)) : afterRateLimit(parts, subject, message.method, target, limited);
}

/**
 * The rate-limit name a client's responses count under (`rateLimit.byMethod.response` sets their
 * limit): answers are the server's questions' business, but a client sending them without end is
 * still sending.
 */
export const RESPONSE_METHOD = 'response';

function answerToServer(limited: RateLimitResult): Decision {
  return limited.ok ? { ok: true, upstream: null, target: null, item: null, rateLimit: limited.rateLimit } : limited;
}

/** The compiled parts a decision uses. */
export interface DecideParts {
  policy: Policy;
  rateLimiter: RateLimiter;
  router: Router;
  catalog: Catalog;
}

/** The rest of a decision once the rate limit has answered: where the message goes. */
function afterRateLimit(parts: DecideParts, subject: Subject, method: string, target: Target | null, limited: RateLimitResult): Decision {
  if (!limited.ok) return limited;
  return placeMessage(parts, subject, method, target, limited.rateLimit);
}

/**
 * Where a message the policy and the rate limit let through goes: the item its name reaches
 * (resolveTarget), refused when the policy denies that item under any of its names. The data
 * plane asks again after listing the upstreams for a name the catalog did not know, so the
 * message is not counted twice.
 */
export function placeMessage(parts: Pick<DecideParts, 'policy' | 'router' | 'catalog'>, subject: Subject, method: string, target: Target | null, rateLimit: RateLimitInfo | null): Decision {
  if (PROTOCOL_METHODS.has(method) || LIST_METHODS.has(method) || method === SET_LEVEL) {
    return { ok: true, upstream: null, target, item: null, rateLimit };
  }
  const resolved = resolveTarget(parts.router, parts.catalog, method, target);
  if (!resolved.ok) return resolved;
  const { upstream, item } = resolved;
  // A deny on a template decides a URI only once the upstream's templates are known: until then
  // the URI reaches nothing (the data plane lists them and asks again), rather than slip past it.
  if (item?.kind === 'resource' && parts.policy.deniesTemplates(subject) && !parts.catalog.knows('resourceTemplates', upstream)) {
    return deny('NO_ROUTE', `no upstream serves ${method} (resource "${item.name}")`);
  }
  if (item) {
    const allowed = parts.policy.authorize(subject, method, target, resolved.aliases);
    if (!allowed.ok) return allowed;
    // A subscription reports on a resource: it takes the same right as reading it.
    if (method === SUBSCRIBE && !parts.policy.authorize(subject, 'resources/read', target, resolved.aliases).ok) {
      return deny('FORBIDDEN', `resource "${target!.name}" may be subscribed to only by a subject that may read it (resources/read)`);
    }
    if (item.name !== target!.name) return { ok: true, upstream, target, item, name: item.name, rateLimit };
  }
  return { ok: true, upstream, target, item, rateLimit };
}

/**
 * Whether a subject may read a resource, as `resources/read` of it would be decided (its URI and
 * the template it is read through, whichever upstream it resolves to): what a subscription to it,
 * by any method and in either era, and an update about it on a stream take.
 */
export function authorizeRead(parts: Pick<DecideParts, 'policy' | 'router' | 'catalog'>, subject: Subject, uri: string): AuthorizeResult {
  const target: Target = { kind: 'resource', name: uri };
  const resolved = resolveTarget(parts.router, parts.catalog, 'resources/read', target);
  // As placeMessage: a template deny decides nothing until the templates are known, so refuse.
  if (resolved.ok && parts.policy.deniesTemplates(subject) && !parts.catalog.knows('resourceTemplates', resolved.upstream)) {
    return deny('FORBIDDEN', `resource "${uri}" is not allowed until the upstream's resource templates are known`);
  }
  return parts.policy.authorize(subject, 'resources/read', target, resolved.ok ? resolved.aliases : undefined);
}
