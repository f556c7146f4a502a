import { Minimatch, type MinimatchOptions } from 'minimatch';

/**
 * Glob semantics for every pattern in the configuration (methods, tools, resources, prompts,
 * subjects): `*` stays within one `/`-separated segment and `**` crosses them, except that a
 * pattern that is exactly `*` or `**` matches everything. Repeated slashes are kept, so
 * `file:///docs/**` means what it says; `..` segments never match a wildcard.
 */
const OPTIONS: MinimatchOptions = {
  dot: true,
  nonegate: true,
  nocomment: true,
  preserveMultipleSlashes: true,
};

// No glob syntax at all (minimatch's hasMagic() is false for braces, so it cannot decide this).
const LITERAL = /^[^*?[\]{}()!+@\\]*$/;

/** Whether a pattern compiles; used by option validation. */
export function isValidGlob(pattern: string): boolean {
  if (pattern.length === 0) return false;
  try {
    const matcher = new Minimatch(pattern, OPTIONS);
    return matcher.makeRe() !== false;
  } catch {
    return false;
  }
}

/**
 * A precompiled list of patterns: literal patterns go into a Set (one lookup), the rest are
 * compiled once and tried in order.
 */
export class GlobSet {
  /** True when a pattern matches everything, so `matches` answers without looking. */
  readonly matchesAll: boolean;
  readonly size: number;
  private readonly literals = new Set<string>();
  private readonly matchers: Minimatch[] = [];

  constructor(patterns: Iterable<string>) {
    let all = false;
    let size = 0;
    for (const pattern of patterns) {
      size++;
      if (pattern === '*' || pattern === '**') {
        all = true;
        continue;
      }
      if (LITERAL.test(pattern)) this.literals.add(pattern);
      else this.matchers.push(new Minimatch(pattern, OPTIONS));
    }
    this.matchesAll = all;
    this.size = size;
  }

  /** Whether any pattern matches `value`. */
  matches(value: string): boolean {
    if (this.matchesAll || this.literals.has(value)) return true;
    for (const matcher of this.matchers) if (matcher.match(value)) return true;
    return false;
  }
}
