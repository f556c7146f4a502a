import { sha256Hex } from './sha256.js';

/** The specification's tool-name rule: 1-128 of these characters. */
const SPEC_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** The strict rule some clients hold names to. */
const STRICT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** How names are fitted: the specification's rule, or the strict one. */
export interface NameRules {
  strict: boolean;
}

/**
 * A name as the client may see it: unchanged when it already fits the rules, otherwise its
 * characters outside the rule become `_` and, since that can merge two names or exceed the
 * length, a short hash of the whole name is appended. Deterministic, so every gateway replica
 * shows the same name; the catalog maps it back to the original.
 */
export function fitName(name: string, rules: NameRules): string {
  const pattern = rules.strict ? STRICT_NAME : SPEC_NAME;
  if (pattern.test(name)) return name;
  const max = rules.strict ? 64 : 128;
  const cleaned = name.replace(rules.strict ? /[^A-Za-z0-9_-]/g : /[^A-Za-z0-9_.-]/g, '_');
  const hash = sha256Hex(name).slice(0, 8);
  return `${cleaned.slice(0, max - hash.length - 1)}-${hash}`;
}

/** The name shown for an upstream's item before collisions are considered. */
export function prefixedName(prefix: string | undefined, name: string, rules: NameRules): string {
  return fitName(prefix === undefined || prefix === 'none' ? name : `${prefix}${name}`, rules);
}

/** One upstream item to name: where it comes from, and its name there. */
export interface NamedItem {
  upstream: string;
  name: string;
}

/** What naming decided for one item. */
export interface NameAssignment extends NamedItem {
  /** The name the client sees. */
  visible: string;
}

/** Two or more upstreams offering one visible name under the `error` policy. */
export interface NameCollision {
  visible: string;
  upstreams: string[];
}

/** The outcome of naming every known item of one kind. */
export interface Naming {
  /** Visible name → the item it stands for. */
  byVisible: Map<string, NameAssignment>;
  /** Names hidden or refused because of collisions, for logs and errors. */
  collisions: NameCollision[];
}

export type CollisionPolicy = 'prefix' | 'first-wins' | 'error';

/**
 * Names every item of one kind across upstreams. `items` come in `upstreams` order, which is the
 * order `first-wins` favours. Under `prefix`, every item of a colliding name is shown as
 * `<upstream>_<name>`; should that collide again, the first upstream's item wins. Under `error`,
 * a colliding name is left out of `byVisible` and reported.
 */
export function assignNames(
  items: readonly NamedItem[],
  prefixes: ReadonlyMap<string, string | undefined>,
  policy: CollisionPolicy,
  rules: NameRules,
): Naming {
  const groups = new Map<string, NamedItem[]>();
  for (const item of items) {
    const visible = prefixedName(prefixes.get(item.upstream), item.name, rules);
    const group = groups.get(visible);
    if (group) group.push(item);
    else groups.set(visible, [item]);
  }

  const byVisible = new Map<string, NameAssignment>();
  const collisions: NameCollision[] = [];
  const renamed: NameAssignment[] = [];
  for (const [visible, group] of groups) {
    const owners = [...new Set(group.map((item) => item.upstream))];
    if (owners.length === 1) {
      // One upstream listing a name twice is its own affair: its first entry stands.
      byVisible.set(visible, { ...group[0]!, visible });
      continue;
    }
    if (policy === 'error') {
      collisions.push({ visible, upstreams: owners });
      continue;
    }
    if (policy === 'first-wins') {
      byVisible.set(visible, { ...group[0]!, visible });
      collisions.push({ visible, upstreams: owners });
      continue;
    }
    for (const upstream of owners) {
      const item = group.find((candidate) => candidate.upstream === upstream)!;
      renamed.push({ ...item, visible: fitName(`${upstream}_${visible}`, rules) });
    }
  }
  // Renamed items go last, so a name an upstream really has is never taken by a renamed one.
  for (const item of renamed) {
    if (byVisible.has(item.visible)) collisions.push({ visible: item.visible, upstreams: [byVisible.get(item.visible)!.upstream, item.upstream] });
    else byVisible.set(item.visible, item);
  }
  return { byVisible, collisions };
}
