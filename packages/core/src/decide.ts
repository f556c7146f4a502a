import type { ClientMessage } from './envelope.js';
import type { Denial } from './errors.js';
import type { Policy } from './policy.js';
import { PROTOCOL_METHODS } from './protocol-methods.js';
import type { RateLimiter, RateLimitInfo } from './rate-limit.js';
import type { Router } from './routing.js';
import type { Subject } from './subject.js';
import { readTarget, type Target } from './target.js';

/** The decision for one message of an authenticated subject. */
export type Decision =
  | {
      ok: true;
      /**
       * The upstream to forward to, or `null` when the gateway handles the message itself: the
       * protocol methods (initialize, ping, the client's session notifications) and responses to
       * server-to-client requests, which go back to the upstream that asked.
       */
      upstream: string | null;
      /** The tool, resource or prompt the message acts on, if any. */
      target: Target | null;
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
export async function decideMessage(
  parts: { policy: Policy; rateLimiter: RateLimiter; router: Router },
  subject: Subject,
  message: ClientMessage,
): Promise<Decision> {
  if (message.kind === 'response') return { ok: true, upstream: null, target: null, rateLimit: null };
  const target = readTarget(message.method, message.params);
  if (target !== null && 'ok' in target) return target;
  const allowed = parts.policy.authorize(subject, message.method, target);
  if (!allowed.ok) return allowed;
  const limited = await parts.rateLimiter.consume(subject, message.method);
  if (!limited.ok) return limited;
  if (PROTOCOL_METHODS.has(message.method)) return { ok: true, upstream: null, target, rateLimit: limited.rateLimit };
  const routed = parts.router.route(message.method, target);
  if (!routed.ok) return routed;
  return { ok: true, upstream: routed.upstream, target, rateLimit: limited.rateLimit };
}
