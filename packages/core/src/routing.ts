import { deny, type Denial } from './errors.js';
import { GlobSet } from './glob.js';
import type { ResolvedRoute } from './options.js';
import type { Target, TargetKind } from './target.js';

/** The upstream a message goes to and the rule that chose it, or no route. */
export type RouteResult = { ok: true; upstream: string; rule: number } | Denial;

/** First-match routing over method, tool, resource and prompt globs. */
export interface Router {
  route(method: string, target: Target | null): RouteResult;
}

interface CompiledRoute {
  method: GlobSet | null;
  targetKind: TargetKind | null;
  target: GlobSet | null;
  upstream: string;
}

/**
 * Compiles the routing table. A rule matches when every field it gives matches: `tool` only
 * matches messages that name a tool (tools/call), `resource` a resource URI, `prompt` a prompt
 * name. Rules are tried in order and the first match wins.
 */
export function createRouter(routes: readonly ResolvedRoute[]): Router {
  const compiled: CompiledRoute[] = routes.map(({ match, upstream }) => {
    const [targetKind, pattern] = targetOf(match);
    return {
      method: match.method === undefined ? null : new GlobSet([match.method]),
      targetKind,
      target: pattern === undefined ? null : new GlobSet([pattern]),
      upstream,
    };
  });

  const scan = (method: string, target: Target | null): RouteResult => {
    for (let i = 0; i < compiled.length; i++) {
      const rule = compiled[i]!;
      if (rule.method && !rule.method.matches(method)) continue;
      if (rule.target && !(target && target.kind === rule.targetKind && rule.target.matches(target.name))) continue;
      return { ok: true, upstream: rule.upstream, rule: i };
    }
    const what = target ? ` (${target.kind} "${target.name}")` : '';
    return deny('NO_ROUTE', `no upstream serves ${method}${what}`);
  };

  // A route depends only on (method, target), and clients repeat the same few: remember the
  // answers so a long table is scanned once per distinct call. Bounded, because names come from
  // clients; when full it starts over, which costs a scan per call, never memory.
  const memo = new Map<string, Map<string, RouteResult>>();
  let remembered = 0;
  return {
    route(method, target) {
      const targetKey = target ? `${target.kind[0]}${target.name}` : '';
      let byTarget = memo.get(method);
      const known = byTarget?.get(targetKey);
      if (known) return known;
      const result = scan(method, target);
      if (remembered >= ROUTE_MEMO_LIMIT) {
        memo.clear();
        remembered = 0;
        byTarget = undefined;
      }
      if (!byTarget) memo.set(method, (byTarget = new Map()));
      byTarget.set(targetKey, result);
      remembered++;
      return result;
    },
  };
}

/** How many distinct (method, target) answers a router remembers. */
export const ROUTE_MEMO_LIMIT = 10_000;

function targetOf(match: ResolvedRoute['match']): [TargetKind | null, string | undefined] {
  if (match.tool !== undefined) return ['tool', match.tool];
  if (match.resource !== undefined) return ['resource', match.resource];
  if (match.prompt !== undefined) return ['prompt', match.prompt];
  return [null, undefined];
}
