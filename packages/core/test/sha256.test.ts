import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256, sha256Hex, toHex } from '../src/internal.js';
import { wordsToBytes } from '../src/sha256.js';

const hex = (text: string) => toHex(sha256(new TextEncoder().encode(text)));

describe('sha256 (from @noble/hashes)', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(hex('a'.repeat(1_000_000))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('agrees with Web Crypto on every length around the block boundaries', async () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
    for (let length = 0; length <= 200; length++) {
      const data = Uint8Array.from({ length }, next);
      const expected = new Uint8Array(await webcrypto.subtle.digest('SHA-256', data));
      expect(toHex(sha256(data)), `length ${length}`).toBe(toHex(expected));
    }
  });
});

describe('Sha256 reused across calls', () => {
  it('gives Web Crypto\'s digest as words, for ASCII and non-ASCII text of any length', async () => {
    const hasher = new Sha256();
    for (const text of ['key-0', 'é-clé-🔑', '', 'x'.repeat(5000), 'key-0', 'a'.repeat(55), 'a'.repeat(56)]) {
      const expected = toHex(new Uint8Array(await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
      expect(toHex(wordsToBytes(hasher.words(text))), text.slice(0, 20)).toBe(expected);
      expect(sha256Hex(text), text.slice(0, 20)).toBe(expected);
    }
  });
});
