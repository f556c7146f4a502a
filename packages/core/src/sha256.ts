import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256 for core, from `@noble/hashes` (audited, pure JavaScript, synchronous): core stays
 * runtime-neutral and holds no cryptographic primitive of its own.
 *
 * Why not Web Crypto's digest(): it is async only. Keeping hashing synchronous lets
 * compileGateway() reject a plain key that duplicates another entry's keyHash at the moment the
 * factory is called, and keeps authentication free of a promise hop per request. On Node the
 * data plane injects node:crypto for the per-request key digest (see createAuthenticator's
 * `digestOf`); this one serves compilation, naming and core used on its own.
 */

/**
 * A SHA-256 hasher that returns its digest as eight big-endian 32-bit words in a buffer it
 * reuses between calls (authentication compares words). Not re-entrant, which is fine for
 * synchronous use; each owner (e.g. an authenticator) has its own.
 */
export class Sha256 {
  private readonly h = new Uint32Array(8);
  private readonly encoder = new TextEncoder();

  /** The digest of a string's UTF-8 bytes, as the eight 32-bit words of the hash (a view into the hasher: copy to keep). */
  words(text: string): Uint32Array {
    const bytes = this.encoder.encode(text);
    const words = this.wordsOf(bytes);
    // Do not leave the secret in memory longer than the garbage collector would anyway.
    bytes.fill(0);
    return words;
  }

  /** The digest of `data` as the eight 32-bit words of the hash (a view into the hasher: copy to keep). */
  wordsOf(data: Uint8Array): Uint32Array {
    const d = nobleSha256(data);
    const h = this.h;
    for (let i = 0; i < 8; i++) {
      const j = i * 4;
      h[i] = (d[j]! << 24) | (d[j + 1]! << 16) | (d[j + 2]! << 8) | d[j + 3]!;
    }
    return h;
  }
}

/** Returns the 32-byte SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** Big-endian bytes of digest words. */
export function wordsToBytes(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!;
    out[i * 4] = v >>> 24; out[i * 4 + 1] = v >>> 16; out[i * 4 + 2] = v >>> 8; out[i * 4 + 3] = v;
  }
  return out;
}

/** Lower-case hex of a byte array. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** SHA-256 of a string's UTF-8 bytes, as lower-case hex. */
export function sha256Hex(text: string): string {
  return toHex(sha256(new TextEncoder().encode(text)));
}
