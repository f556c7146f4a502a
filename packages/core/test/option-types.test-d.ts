// Type-level test, checked by `pnpm typecheck` (tsc -p packages/core/test), not run by vitest: the
// hand-written option interfaces (src/option-types.ts) and the zod schema that validates options
// (src/options.ts) must describe the same shapes, both ways. A field added to, removed from, made
// optional in or retyped in one and not the other fails the typecheck, at the section concerned.
import type { z } from 'zod';
import type {
  ApiKeyOptions,
  AuditOptions,
  AuthOptions,
  FederationOptions,
  GatewayOptions,
  LoggingOptions,
  MetricsOptions,
  PolicyOptions,
  PolicyRuleListsOptions,
  PolicyRuleOptions,
  PolicySubject,
  RateLimitOptions,
  ResolvedApiKey,
  ResolvedOptions,
  ResolvedPolicyRule,
  ResolvedRoute,
  ResolvedUpstream,
  RouteMatch,
  RouteOptions,
  ServerOptions,
  SessionsOptions,
  UpstreamApiKeyOptions,
  UpstreamAuthOptions,
  UpstreamHeadersOptions,
  UpstreamOptions,
} from '../src/index.js';
import type { gatewayOptionsSchema } from '../src/index.js';

/** Compiles only when T is `true`. */
type Assert<T extends true> = T;

/**
 * Interfaces, intersections and mapped types spelled out as plain object types, recursively, so two
 * types written differently but shaped the same compare equal. Optional markers are kept.
 */
type Plain<T> = T extends readonly (infer Item)[] ? Plain<Item>[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;

/**
 * True only when A and B are identical, not merely assignable each way: `{ a?: string }` and `{}`
 * are mutually assignable, yet differ by a field, and this tells them apart.
 */
type Same<A, B> = (<T>() => T extends Plain<A> ? 1 : 2) extends (<T>() => T extends Plain<B> ? 1 : 2) ? true : false;

type In = z.input<typeof gatewayOptionsSchema>;
type Out = z.output<typeof gatewayOptionsSchema>;
type Item<T> = T extends readonly (infer I)[] ? I : never;
type Section<T, K extends keyof T> = NonNullable<T[K]>;

// The whole configuration, as written and as validated.
export type InputAgrees = Assert<Same<In, GatewayOptions>>;
export type OutputAgrees = Assert<Same<Out, ResolvedOptions>>;

// Section by section, so a disagreement is reported where it is.
export type InputSections = [
  Assert<Same<Section<In, 'server'>, ServerOptions>>,
  Assert<Same<Section<Section<In, 'server'>, 'metrics'>, MetricsOptions>>,
  Assert<Same<Section<In, 'auth'>, AuthOptions>>,
  Assert<Same<Item<Section<Section<In, 'auth'>, 'apiKeys'>>, ApiKeyOptions>>,
  Assert<Same<Section<In, 'rateLimit'>, RateLimitOptions>>,
  Assert<Same<Section<In, 'policy'>, PolicyOptions>>,
  Assert<Same<Item<Section<Section<In, 'policy'>, 'rules'>>, PolicyRuleOptions>>,
  Assert<Same<Section<Item<Section<Section<In, 'policy'>, 'rules'>>, 'subject'>, PolicySubject>>,
  Assert<Same<Section<Item<Section<Section<In, 'policy'>, 'rules'>>, 'allow'>, PolicyRuleListsOptions>>,
  Assert<Same<Section<In, 'sessions'>, SessionsOptions>>,
  Assert<Same<Item<In['upstreams']>, UpstreamOptions>>,
  Assert<Same<Section<Item<In['upstreams']>, 'auth'>, UpstreamAuthOptions>>,
  Assert<Same<Section<Item<In['upstreams']>, 'auth'>['apiKey'], UpstreamApiKeyOptions>>,
  Assert<Same<Section<In, 'federation'>, FederationOptions>>,
  Assert<Same<Section<In, 'upstreamHeaders'>, UpstreamHeadersOptions>>,
  Assert<Same<Item<Section<In, 'routing'>>, RouteOptions>>,
  Assert<Same<Item<Section<In, 'routing'>>['match'], RouteMatch>>,
  Assert<Same<Section<In, 'audit'>, AuditOptions>>,
  Assert<Same<Section<In, 'logging'>, LoggingOptions>>,
];

export type OutputSections = [
  Assert<Same<Out['server'], ResolvedOptions['server']>>,
  Assert<Same<Out['server']['metrics'], ResolvedOptions['server']['metrics']>>,
  Assert<Same<Out['auth'], ResolvedOptions['auth']>>,
  Assert<Same<Item<Out['auth']['apiKeys']>, ResolvedApiKey>>,
  Assert<Same<Out['rateLimit'], ResolvedOptions['rateLimit']>>,
  Assert<Same<Out['policy'], ResolvedOptions['policy']>>,
  Assert<Same<Item<Out['policy']['rules']>, ResolvedPolicyRule>>,
  Assert<Same<Out['sessions'], ResolvedOptions['sessions']>>,
  Assert<Same<Item<Out['upstreams']>, ResolvedUpstream>>,
  Assert<Same<Out['federation'], ResolvedOptions['federation']>>,
  Assert<Same<Out['upstreamHeaders'], ResolvedOptions['upstreamHeaders']>>,
  Assert<Same<Item<Out['routing']>, ResolvedRoute>>,
  Assert<Same<Out['audit'], ResolvedOptions['audit']>>,
  Assert<Same<Out['logging'], ResolvedOptions['logging']>>,
];

// The helper itself: it must tell apart what mutual assignability would not.
export type HelperSelfCheck = [
  Assert<Same<{ a: string }, { a: string }>>,
  Assert<Same<{ a?: string }, { a?: string | undefined }>>,
  Assert<Same<{ a: string } & { b?: number }, { a: string; b?: number }>>,
  Assert<Not<Same<{ a?: string }, {}>>>,
  Assert<Not<Same<{ a?: string }, { a: string }>>>,
  Assert<Not<Same<{ a: 'x' | 'y' }, { a: 'x' }>>>,
  Assert<Not<Same<{ a: { b?: number }[] }, { a: { b?: number; c?: string }[] }>>>,
];
type Not<T extends boolean> = T extends true ? false : true;
