import { deny, type Denial } from './errors.js';
import { GlobSet } from './glob.js';
import type { ResolvedOptions, ResolvedPolicyRule } from './options.js';
import { PROTOCOL_METHODS } from './protocol-methods.js';
import type { Subject } from './subject.js';
import type { Target, TargetKind } from './target.js';

/** Allowed, or the denial saying what was refused. */
export type AuthorizeResult = { ok: true } | Denial;

/** Decides whether a subject may send a method (and reach its target). */
export interface Policy {
  /**
   * Whether the subject may send `method` to `target`, the name it sent. `aliases` are the other
   * names the item that name reaches goes by (see Catalog.aliases): a deny on any of them denies
   * it too, while an allow must match the name the client uses.
   */
  authorize(subject: Subject, method: string, target: Target | null, aliases?: readonly string[]): AuthorizeResult;
  /**
   * Whether a resource deny of the subject's names a URI template: a URI is then denied through
   * the template it matches, which only the upstream's list of templates tells.
   */
  deniesTemplates(subject: Subject): boolean;
}

type ListName = 'methods' | 'tools' | 'resources' | 'prompts';
type Lists = Record<ListName, GlobSet>;

interface CompiledRule {
  index: number;
  tenant: GlobSet | null;
  client: GlobSet | null;
  rule: ResolvedPolicyRule;
}

/** Every allow and deny pattern of the rules that apply to one subject, merged and compiled. */
interface SubjectPolicy {
  allow: Lists;
  deny: Lists;
  /** Whether a resource deny names a URI template (`{…}`): such a deny is decided by what the upstreams list. */
  templateDenies: boolean;
}

const LIST_OF: Readonly<Record<TargetKind, ListName>> = { tool: 'tools', resource: 'resources', prompt: 'prompts' };
const LIST_NAMES: readonly ListName[] = ['methods', 'tools', 'resources', 'prompts'];

/**
 * Compiles the policy. The rules that apply to a subject are found once, on its first message,
 * and merged into one set of compiled lists shared by every subject with the same rules; from
 * then on a decision costs a map lookup plus the glob tests of that subject's own patterns,
 * whatever the number of keys and rules. Subjects come only from configured keys, so the
 * memo is bounded by the configuration.
 */
export function createPolicy(policy: ResolvedOptions['policy']): Policy {
  const rules: CompiledRule[] = policy.rules.map((rule, index) => ({
    index,
    tenant: rule.subject.tenant === undefined ? null : new GlobSet([rule.subject.tenant]),
    client: rule.subject.client === undefined ? null : new GlobSet([rule.subject.client]),
    rule,
  }));
  // tenant -> client -> policy; nested rather than a joined key so no two names can collide.
  const bySubject = new Map<string, Map<string, SubjectPolicy>>();
  const byRuleSet = new Map<string, SubjectPolicy>();
  const defaultAllows = policy.default === 'allow';

  const policyFor = (subject: Subject): SubjectPolicy => {
    let clients = bySubject.get(subject.tenant);
    const known = clients?.get(subject.client);
    if (known) return known;
    const applicable = rules.filter(
      (r) => (r.tenant === null || r.tenant.matches(subject.tenant)) && (r.client === null || r.client.matches(subject.client)),
    );
    const ruleSetKey = applicable.map((r) => r.index).join(',');
    let merged = byRuleSet.get(ruleSetKey);
    if (!merged) {
      const denies = applicable.map((r) => r.rule.deny);
      merged = { allow: mergeLists(applicable.map((r) => r.rule.allow)), deny: mergeLists(denies), templateDenies: denies.some((d) => d.resources.some((pattern) => pattern.includes('{'))) };
      byRuleSet.set(ruleSetKey, merged);
    }
    if (!clients) bySubject.set(subject.tenant, (clients = new Map()));
    clients.set(subject.client, merged);
    return merged;
  };

  return {
    deniesTemplates: (subject) => policyFor(subject).templateDenies,
    authorize(subject, method, target, aliases) {
      const p = policyFor(subject);
      if (p.deny.methods.matches(method)) return deny('FORBIDDEN', `method "${method}" is denied`);
      if (!(PROTOCOL_METHODS.has(method) || p.allow.methods.matches(method) || defaultAllows)) {
        return deny('FORBIDDEN', `method "${method}" is not allowed`);
      }
      if (target) {
        const list = LIST_OF[target.kind];
        if (p.deny[list].matches(target.name)) return deny('FORBIDDEN', `${target.kind} "${target.name}" is denied`);
        // Named in the client's own words: the alias that matched may be a name it never saw.
        if (aliases) for (const alias of aliases) if (p.deny[list].matches(alias)) return deny('FORBIDDEN', `${target.kind} "${target.name}" is denied`);
        if (!(p.allow[list].matches(target.name) || defaultAllows)) {
          return deny('FORBIDDEN', `${target.kind} "${target.name}" is not allowed`);
        }
      }
      return { ok: true };
    },
  };
}

function mergeLists(lists: ReadonlyArray<Record<ListName, readonly string[]>>): Lists {
  const out = {} as Lists;
  for (const name of LIST_NAMES) out[name] = new GlobSet(lists.flatMap((l) => l[name]));
  return out;
}
