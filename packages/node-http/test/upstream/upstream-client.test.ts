import { describe, expect, it } from 'vitest';
import { upstreamFailure } from '../../src/upstream/upstream-client.js';

describe('upstream failures', () => {
  it('maps timeouts to 504 and everything else to 502', () => {
    expect(upstreamFailure('u', Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).status).toBe(504);
    expect(upstreamFailure('u', Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' })).status).toBe(504);
    const refused = upstreamFailure('u', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(refused.status).toBe(502);
    expect(refused.error.message).toContain('ECONNREFUSED');
  });
});
