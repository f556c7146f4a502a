import { createAuthenticator, type AuthResult, type KeyDigest } from './api-keys.js';
import { Catalog } from './catalog.js';
import { GatewayConfigError } from './config-error.js';
import { decideMessage, placeMessage, type Decision } from './decide.js';
import { validateMessage, type ClientMessage } from './envelope.js';
import { deny, type Denial, type GatewayErrorName, type JsonRpcErrorObject } from './errors.js';
import { federateList, type ListedPage } from './federate-list.js';
import type { ListSpec } from './list-methods.js';
import { lowerCaseHeaders, type HeaderMap } from './headers.js';
import { createMemoryRateLimitStore } from './memory-rate-limit-store.js';
import type { ResolvedOptions } from './options.js';
import { createPolicy, type Policy } from './policy.js';
import { createRateLimiter, type RateLimiter, type RateLimitInfo, type RateLimitStore } from './rate-limit.js';
import { createRouter, type Router } from './routing.js';
import type { Subject } from './subject.js';
import type { ResolvedItem } from './resolve-target.js';
import { readTarget, type Target } from './target.js';
import { validateOptions, type ValidateContext } from './validate-options.js';

/** What compileGateway needs besides the options. */
export interface CompileContext extends ValidateContext {
  /** Where rate-limit counters live. Defaults to a memory store owned by this gateway. */
  rateLimitStore?: RateLimitStore;
  /**
   * SHA-256 for presented keys. Defaults to core's own (`@noble/hashes`: pure JavaScript, any
   * runtime); the node:http data plane passes node:crypto's, about twice as fast per request.
   */
  keyDigest?: KeyDigest;
}

/** What check() is asked: one message and the request's credentials. */
export interface CheckInput {
  /** Request headers; names in any case. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Shorthand for an `X-API-Key` header. */
  apiKey?: string;
  /** One JSON-RPC message, as parsed JSON. It is validated like a body from the wire. */
  message: unknown;
}

/** The whole decision for one message. */
export type CheckResult =
  | {
      ok: true;
      subject: Subject;
      upstream: string | null;
      /** The target as the message names it. */
      target: Target | null;
      /** The upstream item that name reaches, when the message goes to an upstream. */
      item: ResolvedItem | null;
      /** The name the upstream knows the target by, when it differs from the one sent. */
      name?: string;
      rateLimit: RateLimitInfo | null;
    }
  | {
      ok: false;
      /** Error table entry, e.g. `'FORBIDDEN'`. */
      name: GatewayErrorName;
      /** HTTP status the data plane answers with. */
      status: number;
      /** The JSON-RPC error object the client receives. */
      error: JsonRpcErrorObject;
      /** HTTP headers that go with the status (WWW-Authenticate, Retry-After). */
      headers?: Record<string, string>;
      /** Who was denied, once authentication succeeded. */
      subject?: Subject;
    };

/** A gateway's decisions, compiled once from its options. Holds no sockets and reads no files. */
export interface CompiledGateway {
  /** The validated options, defaults and placeholders resolved. */
  readonly options: ResolvedOptions;
  /** Who a request is from, by its headers (lower-case names, as node:http gives them). */
  authenticate(headers: HeaderMap): AuthResult;
  /**
   * Policy, rate limit and routing for one validated message of an authenticated subject: the
   * decision itself when every part answers at once (a memory rate-limit store), else a promise.
   */
  decide(subject: Subject, message: ClientMessage): Decision | Promise<Decision>;
  /**
   * Where a request that `decide` answered `NO_ROUTE` goes now that the catalog may know more
   * (the data plane listed the upstreams): the same resolution and policy, without counting the
   * message against the rate limit again.
   */
  place(subject: Subject, message: ClientMessage): Decision;
  /** One federated list for a subject from the pages its upstreams answered (see federate-list.ts). */
  federateList(subject: Subject, spec: ListSpec, pages: readonly ListedPage[]): unknown[] | Denial;
  /** The whole decision for one message, from headers to upstream: what users unit-test. */
  check(input: CheckInput): Promise<CheckResult>;
  /** The compiled policy. */
  readonly policy: Policy;
  /** The compiled routing table. */
  readonly router: Router;
  /** The rate limiter over the configured store. */
  readonly rateLimiter: RateLimiter;
  /** What the upstreams listed, and the names the client sees; the data plane records into it. */
  readonly catalog: Catalog;
  /**
   * Takes `name` once for `ttlMs` in the rate-limit store, when that store is shared (Redis): true
   * the first time, false while taken. True when the store shares nothing, or fails (the
   * upstream then drops a repeated answer itself).
   */
  claimOnce(name: string, ttlMs: number): Promise<boolean>;
  /** Releases the rate-limit store. */
  close(): Promise<void>;
}

function failure(denial: Denial, subject?: Subject): CheckResult {
  const out: CheckResult = { ok: false, name: denial.name, status: denial.status, error: denial.error };
  if (denial.headers) out.headers = denial.headers;
  if (subject) out.subject = subject;
  return out;
}

/**
 * Validates and compiles gateway options once: keys indexed by hash, globs compiled, rules
 * prepared for per-subject lookup. Throws GatewayConfigError listing every problem.
 */
export function compileGateway(input: unknown, context: CompileContext = {}): CompiledGateway {
  const validated = validateOptions(input, context);
  if (!validated.ok) throw new GatewayConfigError(validated.issues);
  const options = validated.options;
  const store = context.rateLimitStore ?? createMemoryRateLimitStore();
  const authenticator = createAuthenticator(options.auth, context.keyDigest);
  const parts = {
    policy: createPolicy(options.policy),
    router: createRouter(options.routing),
    rateLimiter: createRateLimiter(options.rateLimit, store),
    catalog: new Catalog(options),
  };

  return {
    options,
    ...parts,
    authenticate: (headers) => authenticator.authenticate(headers),
    decide: (subject, message) => decideMessage(parts, subject, message),
    place(subject, message) {
      if (message.kind === 'response') return { ok: true, upstream: null, target: null, item: null, rateLimit: null };
      const target = readTarget(message.method, message.params);
      if (target !== null && 'ok' in target) return target;
      return placeMessage(parts, subject, message.method, target, null);
    },
    federateList: (subject, spec, pages) => federateList(parts, subject, spec, pages),
    async check({ headers, apiKey, message }) {
      if (Array.isArray(message)) {
        return failure(deny('INVALID_REQUEST', 'check() decides one message; pass batch members one at a time'));
      }
      const validatedMessage = validateMessage(message);
      if (!validatedMessage.ok) return failure(validatedMessage);
      const map = lowerCaseHeaders(headers ?? {});
      const withKey: HeaderMap = apiKey === undefined ? map : mergeHeader(map, 'x-api-key', apiKey);
      const auth = authenticator.authenticate(withKey);
      if (!auth.ok) return failure(auth);
      const decision = await decideMessage(parts, auth.subject, validatedMessage.message);
      if (!decision.ok) return failure(decision, auth.subject);
      const { upstream, target, item, name, rateLimit } = decision;
      return name === undefined ? { ok: true, subject: auth.subject, upstream, target, item, rateLimit } : { ok: true, subject: auth.subject, upstream, target, item, name, rateLimit };
    },
    async claimOnce(name, ttlMs) {
      if (!store.claim) return true;
      try {
        return await store.claim(`${options.rateLimit.keyPrefix}:once:${name}`, ttlMs);
      } catch {
        return true;
      }
    },
    close: async () => {
      await store.close?.();
    },
  };
}

function mergeHeader(headers: HeaderMap, name: string, value: string): HeaderMap {
  const previous = headers[name];
  const values = previous === undefined ? [value] : [...(typeof previous === 'string' ? [previous] : previous), value];
  return { ...headers, [name]: values };
}
