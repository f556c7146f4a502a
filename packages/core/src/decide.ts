import type { Catalog } from './catalog.js';
import type { ClientMessage } from './envelope.js';
import { deny, type Denial } from './errors.js';
import { LIST_METHODS } from './list-methods.js';
import type { Policy } from './policy.js';
import { PROTOCOL_METHODS } from './protocol-methods.js';
import { isPending } from './pending.js';
import type { RateLimiter, RateLimitInfo, RateLimitResult } from './rate-limit.js';
import { routeMessage } from './route-message.js';
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
      /** The tool, resource or prompt the message acts on, if any. */
      target: Target | null;
      /**
       * The name the upstream knows the target by, when it differs from the one the client sent
       * (the client sees it prefixed or renamed); the data plane rewrites the message with it.
       */
      name?: string;
      /** The counters after this message; `null` for responses, which are not rate-limited. */
      rateLimit: RateLimitInfo | null;
    }
  | Denial;

/**
 * Decides one message, in the order of the gateway's flow: what it targets, whether the policy
 * allows it, whether the rate limit has room, and where it goes. Responses from the client
 * answer a server's request; they are neither policy-checked nor rate-limited (the server asked
 * for them), and the data plane sends them to the upstream that asked.
 */
export function decideMessage(
  parts: { policy: Policy; rateLimiter: RateLimiter; router: Router; catalog: Catalog },
  subject: Subject,
  message: ClientMessage,
): Decision | Promise<Decision> {
  if (message.kind === 'response') return { ok: true, upstream: null, target: null, rateLimit: null };
  const target = readTarget(message.method, message.params);
  if (target !== null && 'ok' in target) return target;
  const allowed = parts.policy.authorize(subject, message.method, target);
  if (!allowed.ok) return allowed;
  // A subscription reports on a resource: it takes the same right as reading it.
  if (message.method === SUBSCRIBE && target !== null && !parts.policy.authorize(subject, 'resources/read', target).ok) {
    return deny('FORBIDDEN', `resource "${target.name}" may be subscribed to only by a subject that may read it (resources/read)`);
  }
  const limited = parts.rateLimiter.consume(subject, message.method);
  return isPending(limited) ? limited.then((result) => afterRateLimit(parts, message.method, target, result)) : afterRateLimit(parts, message.method, target, limited);
}

/** The rest of a decision once the rate limit has answered: where the message goes. */
function afterRateLimit(parts: { router: Router; catalog: Catalog }, method: string, target: Target | null, limited: RateLimitResult): Decision {
  if (!limited.ok) return limited;
  if (PROTOCOL_METHODS.has(method) || LIST_METHODS.has(method) || method === SET_LEVEL) {
    return { ok: true, upstream: null, target, rateLimit: limited.rateLimit };
  }
  const routed = routeMessage(parts.router, parts.catalog, method, target);
  if (!routed.ok) return routed;
  if (routed.name !== undefined) return { ok: true, upstream: routed.upstream, target, name: routed.name, rateLimit: limited.rateLimit };
  return { ok: true, upstream: routed.upstream, target, rateLimit: limited.rateLimit };
}
