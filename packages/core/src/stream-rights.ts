import { authorizeRead, type DecideParts } from './decide.js';
import { deny } from './errors.js';
import { LIST_METHODS } from './list-methods.js';
import type { AuthorizeResult, Policy } from './policy.js';
import type { Subject } from './subject.js';

/**
 * The methods whose upstream traffic a long-lived stream (the GET stream, subscriptions/listen)
 * carries: list changes of the lists, updates of resources read or subscribed to, and the server
 * requests, log messages and resumed answers of calls. A stream is worth something only to a
 * subject that may call one of them, so that is what opening one takes.
 */
export const STREAM_METHODS: readonly string[] = [
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'completion/complete',
];

/**
 * Whether a subject may hold a stream at all: the policy must allow it at least one of
 * STREAM_METHODS (the method alone; what reaches the stream is filtered item by item). A subject
 * that no rule names gets none, so it cannot hold connections it has no use for.
 */
export function authorizeStream(policy: Policy, subject: Subject): AuthorizeResult {
  for (const method of STREAM_METHODS) if (policy.authorize(subject, method, null).ok) return { ok: true };
  return deny('FORBIDDEN', `no method this subject may call sends notifications (one of ${STREAM_METHODS.join(', ')} must be allowed to open a stream)`);
}

/** The list method whose changes a list_changed notification announces; the resources one covers both resource lists. */
const LISTS_CHANGED: ReadonlyMap<string, readonly string[]> = (() => {
  const byNotification = new Map<string, string[]>();
  for (const spec of LIST_METHODS.values()) {
    const methods = byNotification.get(spec.changed) ?? [];
    methods.push(spec.method);
    byNotification.set(spec.changed, methods);
  }
  return byNotification;
})();

/**
 * Whether a message an upstream sends on a stream may reach this subject: a list change only if
 * it may call that list, a resource update only if it may read that resource (the same check as
 * resources/read, authorizeRead). Everything else belongs to calls the subject was allowed to make.
 */
export function streamMessageAllowed(parts: Pick<DecideParts, 'policy' | 'router' | 'catalog'>, subject: Subject, message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return true;
  const { method, params } = message as { method?: unknown; params?: { uri?: unknown } };
  if (typeof method !== 'string') return true;
  const lists = LISTS_CHANGED.get(method);
  if (lists) return lists.some((list) => parts.policy.authorize(subject, list, null).ok);
  if (method === 'notifications/resources/updated') {
    const uri = params?.uri;
    return typeof uri === 'string' && uri !== '' && authorizeRead(parts, subject, uri).ok;
  }
  return true;
}
