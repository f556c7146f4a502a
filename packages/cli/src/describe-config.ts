import type { ResolvedOptions, ResolvedRoute } from '@gw/core';

const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

/**
 * Whether the routing table is the implicit catch-all validation adds (no rules written, exactly
 * one upstream). `raw` is the configuration as written, before validation.
 */
export function hasImplicitCatchAll(raw: unknown, options: ResolvedOptions): boolean {
  const written = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['routing'] : undefined;
  return (written === undefined || (Array.isArray(written) && written.length === 0)) && options.routing.length === 1 && options.upstreams.length === 1;
}

/** `1 upstream, 2 routes, 1 API key, policy default deny`: what `validate` prints on success. */
export function summarizeConfig(raw: unknown, options: ResolvedOptions): string {
  const routes = hasImplicitCatchAll(raw, options)
    ? '1 route (implicit catch-all)'
    : options.routing.length === 0
      ? 'no routes (federated: names go to the upstream that lists them)'
      : plural(options.routing.length, 'route');
  const auth = options.auth.mode === 'none' ? 'auth none (every caller anonymous)' : plural(options.auth.apiKeys.length, 'API key');
  return `${plural(options.upstreams.length, 'upstream')}, ${routes}, ${auth}, policy default ${options.policy.default}`;
}

/** Valid but probably not what was meant: printed as warnings, never failures. */
export function configWarnings(options: ResolvedOptions): string[] {
  const warnings: string[] = [];
  if (options.auth.mode === 'apiKey' && options.auth.apiKeys.length === 0) {
    warnings.push('auth.apiKeys is empty: every request will be refused (401) until a key is added');
  }
  // Without rules, several upstreams are federated: every name goes where the catalog says, which is no warning.
  const routed = new Set(options.routing.map((route) => route.upstream));
  if (options.routing.length > 0) {
    for (const upstream of options.upstreams) {
      if (!routed.has(upstream.name)) warnings.push(`upstream "${upstream.name}" is declared but no routing rule sends anything to it: it is reached only by the names it lists and by the lists`);
    }
  }
  const catchAll = options.routing.findIndex(isCatchAll);
  if (catchAll !== -1 && catchAll < options.routing.length - 1) {
    warnings.push(`routing rules after rule ${catchAll + 1} are never reached: rule ${catchAll + 1} matches every message`);
  }
  return warnings;
}

/** A rule that matches every message: method `*` or `**` and no target field. */
export function isCatchAll(route: ResolvedRoute): boolean {
  const { method, tool, resource, prompt } = route.match;
  return (method === '*' || method === '**') && tool === undefined && resource === undefined && prompt === undefined;
}

/** `method "tools/call", tool "math.*"`: a match as an operator reads it. */
export function describeMatch(match: ResolvedRoute['match']): string {
  const parts: string[] = [];
  if (match.method !== undefined) parts.push(`method ${JSON.stringify(match.method)}`);
  if (match.tool !== undefined) parts.push(`tool ${JSON.stringify(match.tool)}`);
  if (match.resource !== undefined) parts.push(`resource ${JSON.stringify(match.resource)}`);
  if (match.prompt !== undefined) parts.push(`prompt ${JSON.stringify(match.prompt)}`);
  return parts.join(', ');
}
