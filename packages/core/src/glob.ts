import { Minimatch, type MinimatchOptions } from 'minimatch';

/**
 * Glob semantics for every pattern in the configuration (methods, tools, resources, prompts,
 * subjects): `*` stays within one `/`-separated segment and `**` crosses them, except that a
 * pattern that is exactly `*` or `**` matches everything. Repeated slashes are kept, so
 * `file:///docs/**` means what it says; `..` segments never match a wildcard.
 */
const OPTIONS: Readonly<MinimatchOptions> = {
  dot: true,
  nonegate: true,
  nocomment: true,
  preserveMultipleSlashes: true,
};

// No glob syntax at all (minimatch's hasMagic() is false for braces, so it cannot decide this).
const LITERAL = /^[^*?[\]{}()!+@\\]*$/;

const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** The characters before the first glob syntax: every value the pattern matches starts with them. */
function literalPrefix(pattern: string): string {
  const magic = pattern.search(/[*?[\]{}()!+@\\]/);
  return magic === -1 ? pattern : pattern.slice(0, magic);
}

/**
 * Whether a pattern is usable; used by option validation. Patterns with `.` or `..` segments
 * are refused: minimatch would normalize them (`a/../b` matches `b`), which no one writing a
 * policy means.
 */
export function isValidGlob(pattern: string): boolean {
  if (pattern.length === 0 || DOT_SEGMENT.test(pattern)) return false;
  try {
    return new Minimatch(pattern, OPTIONS).makeRe() !== false;
  } catch {
    return false;
  }
}

/** How many values a GlobSet remembers its answer for. */
export const GLOB_MEMO_LIMIT = 1024;

/**
 * A precompiled list of patterns: literal patterns go into a Set (one lookup), the rest are
 * compiled once and tried in order with Minimatch#match. (minimatch's makeRe() regex is faster
 * but not equivalent: it lets `file:///docs/**` match `file:///docs/../etc`.) Answers for glob
 * patterns are remembered for the last values seen, since clients repeat the same names; the
 * memo is bounded because values come from clients.
 */
export class GlobSet {
  /** True when a pattern matches everything, so `matches` answers without looking. */
  readonly matchesAll: boolean;
  readonly size: number;
  private readonly literals = new Set<string>();
  // Each glob with its literal prefix: a value that does not start with it cannot match, and
  // startsWith() rules out most patterns of a long table without running minimatch.
  private readonly matchers: Array<{ prefix: string; matcher: Minimatch }> = [];
  private readonly memo = new Map<string, boolean>();

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
      else this.matchers.push({ prefix: literalPrefix(pattern), matcher: new Minimatch(pattern, OPTIONS) });
    }
    this.matchesAll = all;
    this.size = size;
  }

  /** Whether any pattern matches `value`. */
  matches(value: string): boolean {
    if (this.matchesAll || this.literals.has(value)) return true;
    if (this.matchers.length === 0) return false;
    let candidates = 0;
    for (const { prefix } of this.matchers) if (value.startsWith(prefix)) candidates++;
    if (candidates === 0) return false;
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    let found = false;
    for (const { prefix, matcher } of this.matchers) {
      if (value.startsWith(prefix) && matcher.match(value)) {
        found = true;
        break;
      }
    }
    if (this.memo.size >= GLOB_MEMO_LIMIT) this.memo.clear();
    this.memo.set(value, found);
    return found;
  }
}
