import { describe, expect, it } from 'vitest';
import { validateOptions } from '../src/index.js';

const upstreams = [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }];
const LONG = 'a-session-secret-of-more-than-32-chars';

describe('sessions.secrets', () => {
  it('is optional: without it sessions stay in the process', () => {
    const result = validateOptions({ upstreams });
    expect(result.ok && result.options.sessions).toEqual({ idleTimeoutMs: 1_800_000, maxSessions: 100_000, maxPerSubject: 1_000, maxStreamsPerSubject: 64 });
  });

  it('takes ${ENV} placeholders, resolved once, and keeps the order (the first seals)', () => {
    const result = validateOptions({ upstreams, sessions: { secrets: ['${SESSION_SECRET}', `old-${LONG}`], maxAgeMs: 60_000 } }, { env: { SESSION_SECRET: LONG } });
    expect(result.ok && result.options.sessions).toMatchObject({ secrets: [LONG, `old-${LONG}`], maxAgeMs: 60_000 });
  });

  it('refuses a secret shorter than 32 characters once resolved, at its path', () => {
    const result = validateOptions({ upstreams, sessions: { secrets: [LONG, '${SHORT}', 'short'] } }, { env: { SHORT: 'x'.repeat(31) } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => [issue.code, issue.path.join('.')])).toEqual([
      ['ERR_GW_INVALID_VALUE', 'sessions.secrets.1'],
      ['ERR_GW_INVALID_VALUE', 'sessions.secrets.2'],
    ]);
    expect(result.issues[0]!.message).toContain('at least 32 characters');
    expect(validateOptions({ upstreams, sessions: { secrets: ['x'.repeat(32)] } }).ok).toBe(true);
  });

  it('reports an unset variable, an empty list and a wrong type', () => {
    const unset = validateOptions({ upstreams, sessions: { secrets: ['${NOT_SET}'] } }, { env: {} });
    expect(!unset.ok && unset.issues.map((issue) => [issue.code, issue.path.join('.')])).toEqual([['ERR_GW_MISSING_ENV', 'sessions.secrets.0']]);
    const empty = validateOptions({ upstreams, sessions: { secrets: [] } });
    expect(!empty.ok && empty.issues.map((issue) => [issue.code, issue.path.join('.')])).toEqual([['ERR_GW_INVALID_VALUE', 'sessions.secrets']]);
    const wrong = validateOptions({ upstreams, sessions: { secrets: LONG, maxAgeMs: 0 } });
    expect(!wrong.ok && wrong.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['sessions.maxAgeMs', 'sessions.secrets']);
  });
});
