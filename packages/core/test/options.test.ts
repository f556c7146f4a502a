import { it } from 'vitest';
import { validateOptions, isValidGlob } from '../src/index.js';
it('probe', () => {
  for (const g of ['a'.repeat(65537), '{1..100000}', '[\\p]', '[\\u]', '[\\', '[a-\\', '[[:alpha:]', '[\\x]', '[\\c]', '+(a|', '[z-a]x', '[b-a]', '[\\]', '*(', '@()', '[^]', '[\\k<a>]', '[\\1]', '**/{a,b}/[', '/', '//', '#a', '!a']) console.log(JSON.stringify(g.slice(0,30)), isValidGlob(g));
  const r1 = validateOptions({ upstreams: [{ name: 'a', url: 'http://x' }] });
  const r2 = validateOptions({ upstreams: [{ name: 'a', url: 'http://x' }] });
  if (r1.ok && r2.ok) {
    console.log(r1.options.upstreamHeaders.forward === r2.options.upstreamHeaders.forward, r1.options.server.allowedOrigins === r2.options.server.allowedOrigins, r1.options.auth.apiKeys === r2.options.auth.apiKeys, r1.options.routing === r2.options.routing, r1.options.logging.redactKeys === r2.options.logging.redactKeys, r1.options.policy.rules === r2.options.policy.rules, r1.options.audit.environments===r2.options.audit.environments, r1.options.rateLimit.byMethod===r2.options.rateLimit.byMethod, r1.options.server === r2.options.server);
    console.log(JSON.stringify(r2.options.routing));
  }
  console.log(JSON.stringify(validateOptions({ upstreams: [{ name: 'a', url: 'http://x' }], routing: [{ match: { tool: undefined }, upstream: 'a' }] })));
  console.log(JSON.stringify(validateOptions({ upstreams: [{ name: 'a', url: 'http://x' }], policy: { rules: [{ allow: { tools: ['a'.repeat(65537)] } }] } })).slice(0, 300));
});
