import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateOptions, type GatewayOptions, type ResolvedOptions } from '../src/index.js';

// The option interfaces (src/option-types.ts) are what an editor shows. option-types.test-d.ts holds
// their shape equal to the schema's; this file holds what their comments say equal to what the
// schema does: every field states its default (or that it is required), and a stated default is
// the value validation fills in.

const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../src/option-types.ts'), 'utf8');

interface DocumentedField {
  owner: string;
  name: string;
  optional: boolean;
  doc: string;
}

/** Every field of every input interface (those before the resolved ones), with its JSDoc text. */
function inputFields(): DocumentedField[] {
  const inputPart = source.slice(0, source.indexOf('export interface ResolvedOptions'));
  const fields: DocumentedField[] = [];
  for (const block of inputPart.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    const [, owner, body] = block;
    // A field is its line `name?: type;`, with the comment just above it.
    for (const field of body!.matchAll(/(?:\/\*\*([\s\S]*?)\*\/\s*\n)?\s*(\w+)(\?)?: [^\n]*;/g)) {
      const doc = (field[1] ?? '').replace(/\n\s*\*\s?/g, ' ').replace(/\s+/g, ' ').trim();
      fields.push({ owner: owner!, name: field[2]!, optional: field[3] === '?', doc });
    }
  }
  return fields;
}

/** A default as the comments write it (`{ mode: "apiKey", apiKeys: [] }`), read as JSON. */
const parseStated = (text: string): unknown => JSON.parse(text.replace(/([{,]\s*)([A-Za-z_]\w*)\s*:/g, '$1"$2":'));

function resolve(input: GatewayOptions): ResolvedOptions {
  const result = validateOptions(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.options;
}

// Two upstreams, so no implicit route is added; list entries with nothing but their required fields.
const upstreams = [
  { name: 'a', url: 'http://127.0.0.1:1/mcp' },
  { name: 'b', url: 'http://127.0.0.1:2/mcp' },
];
const bare = resolve({ upstreams });
const entries = resolve({ upstreams, auth: { apiKeys: [{ tenant: 't', key: 'k' }] }, policy: { rules: [{}] } });

/** Where each input interface's resolved values are found. Interfaces with only required fields or no defaults are absent. */
const RESOLVED: Record<string, object> = {
  GatewayOptions: bare,
  ServerOptions: bare.server,
  MetricsOptions: bare.server.metrics,
  AuthOptions: bare.auth,
  ApiKeyOptions: entries.auth.apiKeys[0]!,
  RateLimitOptions: bare.rateLimit,
  PolicyOptions: bare.policy,
  PolicyRuleOptions: entries.policy.rules[0]!,
  PolicySubject: entries.policy.rules[0]!.subject,
  PolicyRuleListsOptions: entries.policy.rules[0]!.allow,
  SessionsOptions: bare.sessions,
  UpstreamOptions: bare.upstreams[0]!,
  FederationOptions: bare.federation,
  UpstreamHeadersOptions: bare.upstreamHeaders,
  RouteMatch: {},
  AuditOptions: bare.audit,
  LoggingOptions: bare.logging,
};

/** Fields the entries above must give (an API key needs `key` or `keyHash`), so they show no default. */
const GIVEN = new Set(['ApiKeyOptions.key']);

describe('option types: the comments an editor shows', () => {
  const fields = inputFields();

  it('finds every input interface and its fields', () => {
    expect(new Set(fields.map((f) => f.owner)).size).toBeGreaterThanOrEqual(20);
    expect(fields.length).toBeGreaterThanOrEqual(70);
  });

  it('documents every field, and states its default or that it is required', () => {
    const undocumented = fields.filter((f) => f.doc === '').map((f) => `${f.owner}.${f.name}`);
    expect(undocumented).toEqual([]);
    const unstated = fields
      .filter((f) => (f.optional ? !/\bDefault\b|\bOmitted: /.test(f.doc) : !/\bRequired\b/.test(f.doc)))
      .map((f) => `${f.owner}.${f.name}`);
    expect(unstated).toEqual([]);
  });

  it('states as the default of each field exactly the value validation fills in', () => {
    let checked = 0;
    for (const field of fields) {
      const resolved = RESOLVED[field.owner];
      if (resolved === undefined || GIVEN.has(`${field.owner}.${field.name}`)) continue;
      const actual = (resolved as Record<string, unknown>)[field.name];
      const stated = /\bDefault `([^`]+)`/.exec(field.doc);
      if (stated) {
        expect(actual, `${field.owner}.${field.name}`).toEqual(parseStated(stated[1]!));
        checked++;
      } else if (/\bDefault: none\b/.test(field.doc)) {
        expect(actual, `${field.owner}.${field.name}`).toBeUndefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(55);
  });
});
