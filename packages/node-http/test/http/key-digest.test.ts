import { describe, expect, it } from 'vitest';

describe('the node:crypto key digest', () => {
  it('gives the same words as core\'s SHA-256 (@noble/hashes)', async () => {
    const { Sha256 } = await import('@gw/core/internal');
    const { createNodeKeyDigest } = await import('../../src/http/key-digest.js');
    const digest = createNodeKeyDigest();
    for (const key of ['k', 'bench-key-0123456789abcdef', 'clé-✓', 'x'.repeat(4096)]) {
      expect(Array.from(digest(key))).toEqual(Array.from(new Sha256().words(key)));
    }
  });
});
