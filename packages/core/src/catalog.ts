import { deny, type Denial } from './errors.js';
import type { ListKind } from './list-methods.js';
import { assignNames, fitName, prefixedName, type CollisionPolicy, type NameRules, type Naming } from './naming.js';
import type { ResolvedOptions } from './options.js';
import type { Target, TargetKind } from './target.js';
import { templateMatcher } from './uri-template.js';

/** What the catalog keeps of one listed item: the key calls use, and the name shown for it. */
interface Entry {
  /** Tool or prompt name, resource URI, or template URI. */
  key: string;
  /** The item's name, for the kinds the gateway names (templates are named but used by URI). */
  name: string;
}

/** Where a call of a name the client sees goes, and the name the upstream knows it by. */
export interface Owner {
  upstream: string;
  name: string;
}

/** upstream → original name → visible name. */
type ReverseNames = Map<string, Map<string, string>>;

const NAMED_KINDS: ReadonlySet<ListKind> = new Set<ListKind>(['tools', 'prompts', 'resourceTemplates']);

/**
 * What the upstreams last listed, and the names the client sees for it. The data plane records
 * every list it fetches; calls find their upstream here when no routing rule names one, and
 * the policy every name an item goes by. Names are a pure function of what is recorded and the
 * options, so replicas that saw the same lists show and route the same names.
 */
export class Catalog {
  /** kind → upstream → entries, in the upstream's order. */
  private readonly listed = new Map<ListKind, Map<string, Entry[]>>();
  private readonly namings = new Map<ListKind, Naming>();
  private readonly matchers = new Map<string, RegExp>();
  private readonly aliasMemo = new Map<string, string[]>();
  /** Each naming's names the other way, from an upstream's item to the name shown (reverseOf). */
  private readonly reverses = new WeakMap<Naming, ReverseNames>();
  private readonly order: readonly string[];
  private readonly prefixes: ReadonlyMap<string, string | undefined>;
  private readonly policy: CollisionPolicy;
  private readonly rules: NameRules;

  constructor(options: Pick<ResolvedOptions, 'upstreams' | 'federation'>) {
    this.order = options.upstreams.map((upstream) => upstream.name);
    this.prefixes = new Map(options.upstreams.map((upstream) => [upstream.name, upstream.prefix === 'none' ? undefined : upstream.prefix]));
    this.policy = options.federation.collisions;
    this.rules = { strict: options.federation.strictNames };
  }

  /** Records one page an upstream listed; a first page replaces what it listed before. */
  record(kind: ListKind, upstream: string, items: readonly unknown[], firstPage: boolean): void {
    let byUpstream = this.listed.get(kind);
    if (!byUpstream) this.listed.set(kind, (byUpstream = new Map()));
    const entries = firstPage ? [] : [...(byUpstream.get(upstream) ?? [])];
    // A later page may repeat what a complete reading already recorded.
    const seen = firstPage ? undefined : new Set(entries.map((entry) => entry.key));
    for (const item of items) {
      const entry = entryOf(kind, item);
      if (entry && !seen?.has(entry.key)) entries.push(entry);
    }
    byUpstream.set(upstream, entries);
    this.namings.delete(kind);
  }

  /** Whether an upstream's list of one kind has been recorded (an empty one included). */
  knows(kind: ListKind, upstream: string): boolean {
    return this.listed.get(kind)?.has(upstream) ?? false;
  }

  /** Forgets what an upstream listed of one kind (it said the list changed). */
  forget(kind: ListKind, upstream: string): void {
    if (this.listed.get(kind)?.delete(upstream)) this.namings.delete(kind);
  }

  /** The names of one named kind, computed once per change of what is recorded. */
  naming(kind: ListKind): Naming {
    let naming = this.namings.get(kind);
    if (!naming) {
      const byUpstream = this.listed.get(kind);
      const items = this.order.flatMap((upstream) => (byUpstream?.get(upstream) ?? []).map((entry) => ({ upstream, name: entry.name })));
      naming = assignNames(items, this.prefixes, this.policy, this.rules);
      this.namings.set(kind, naming);
    }
    return naming;
  }

  /** The name the client sees for an upstream's item, or undefined when a collision hides it. Resources keep their URIs. */
  visibleName(kind: ListKind, upstream: string, name: string): string | undefined {
    if (!NAMED_KINDS.has(kind)) return name;
    const naming = this.naming(kind);
    const reverse = reverseOf(this.reverses, naming);
    return reverse.get(upstream)?.get(name);
  }

  /**
   * The error that refuses a list, or a call of `name`, when two upstreams offer one name under
   * the `error` policy. A call's error names the name the client sent; a list's names no item,
   * since the colliding one may be an item the subject may not see (the log says which).
   */
  collisionError(kind: ListKind, name?: string): Denial | undefined {
    if (this.policy !== 'error') return undefined;
    const collisions = this.naming(kind).collisions;
    const found = name === undefined ? collisions[0] : collisions.find((collision) => collision.visible === name);
    if (!found) return undefined;
    const what = name === undefined ? `the same ${kind === 'resourceTemplates' ? 'template' : kind.slice(0, -1)} name` : `"${name}"`;
    return deny('NAME_COLLISION', `${found.upstreams.map((u) => `"${u}"`).join(' and ')} both offer ${what} (federation.collisions is "error"; set upstreams[].prefix or another policy)`);
  }

  /**
   * The upstream and original name behind a target, when no routing rule decides it: a listed
   * tool or prompt by the name the client sees, a resource by its exact URI, else by a template
   * it matches (a completion's ref names the template itself); first upstream in `upstreams`
   * order. A name the catalog never listed reaches nothing: no name is guessed from its shape.
   */
  find(target: Target): Owner | Denial | undefined {
    if (target.kind === 'resource') return this.resourceOwner(target.name);
    const kind: ListKind = target.kind === 'tool' ? 'tools' : 'prompts';
    const naming = this.naming(kind);
    const found = naming.byVisible.get(target.name);
    if (found) return { upstream: found.upstream, name: found.name };
    const collision = this.collisionError(kind, target.name);
    if (collision) return collision;
    return undefined;
  }

  /**
   * The name an upstream a routing rule chose knows a target by: the item it listed under that
   * name; else, for an upstream with a prefix, the name without it (a name without the prefix
   * shows nothing there: undefined); else the name itself. Resources keep their URIs.
   */
  nameOn(upstream: string, target: Target): string | undefined {
    if (target.kind === 'resource') return target.name;
    const found = this.naming(target.kind === 'tool' ? 'tools' : 'prompts').byVisible.get(target.name);
    if (found?.upstream === upstream) return found.name;
    const prefix = this.prefixes.get(upstream);
    if (prefix === undefined) return target.name;
    return target.name.startsWith(prefix) && target.name.length > prefix.length ? target.name.slice(prefix.length) : undefined;
  }

  /**
   * Every name under which an upstream's item is shown or could be shown, whatever the other
   * upstreams list: its own name, fitted to the naming rules, with the upstream's prefix, and as
   * a collision renames it; for a resource its URI and the templates of that upstream it
   * matches. A deny on any of them denies the item, however the client spelled it.
   */
  aliases(kind: TargetKind, upstream: string, name: string): readonly string[] {
    const out = [name];
    if (kind === 'resource') {
      for (const entry of this.listed.get('resourceTemplates')?.get(upstream) ?? []) {
        if (entry.key !== name && this.matcher(entry.key).test(name)) out.push(entry.key);
      }
      return out;
    }
    // A pure function of its inputs and the options, asked on every call: remembered, bounded
    // (a rule may route names no upstream listed), as the template matchers are.
    const key = `${kind[0]}${upstream}\n${name}`;
    const known = this.aliasMemo.get(key);
    if (known) return known;
    const prefixed = prefixedName(this.prefixes.get(upstream), name, this.rules);
    for (const alias of [fitName(name, this.rules), prefixed, fitName(`${upstream}_${prefixed}`, this.rules)]) {
      if (!out.includes(alias)) out.push(alias);
    }
    if (this.aliasMemo.size >= 10_000) this.aliasMemo.clear();
    this.aliasMemo.set(key, out);
    return out;
  }

  private resourceOwner(uri: string): Owner | undefined {
    const resources = this.listed.get('resources');
    const templates = this.listed.get('resourceTemplates');
    for (const upstream of this.order) {
      if (resources?.get(upstream)?.some((entry) => entry.key === uri)) return { upstream, name: uri };
    }
    for (const upstream of this.order) {
      if (templates?.get(upstream)?.some((entry) => entry.key === uri)) return { upstream, name: uri };
    }
    for (const upstream of this.order) {
      if (templates?.get(upstream)?.some((entry) => this.matcher(entry.key).test(uri))) return { upstream, name: uri };
    }
    return undefined;
  }

  private matcher(template: string): RegExp {
    let matcher = this.matchers.get(template);
    if (!matcher) {
      matcher = templateMatcher(template);
      // Templates come from upstreams; keep the cache from growing without bound.
      if (this.matchers.size > 10_000) this.matchers.clear();
      this.matchers.set(template, matcher);
    }
    return matcher;
  }
}

/** upstream → original name → visible name, built once per naming (kept in `reverses`, one per catalog). */
function reverseOf(reverses: WeakMap<Naming, ReverseNames>, naming: Naming): ReverseNames {
  let reverse = reverses.get(naming);
  if (!reverse) {
    reverse = new Map();
    for (const assignment of naming.byVisible.values()) {
      let names = reverse.get(assignment.upstream);
      if (!names) reverse.set(assignment.upstream, (names = new Map()));
      if (!names.has(assignment.name)) names.set(assignment.name, assignment.visible);
    }
    reverses.set(naming, reverse);
  }
  return reverse;
}

function entryOf(kind: ListKind, item: unknown): Entry | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  const key = kind === 'resources' ? record['uri'] : kind === 'resourceTemplates' ? record['uriTemplate'] : record['name'];
  if (typeof key !== 'string' || key === '') return undefined;
  const name = kind === 'resourceTemplates' && typeof record['name'] === 'string' ? record['name'] : key;
  return { key, name };
}
