/**
 * SHA-256 (FIPS 180-4), synchronous and dependency-free.
 *
 * Why not Web Crypto's digest(): it is async only. Keeping hashing synchronous lets
 * compileGateway() reject a plain key that duplicates another entry's keyHash at the moment the
 * factory is called, and keeps authentication free of a promise hop per request. Tests check
 * this implementation against Web Crypto.
 */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19] as const;

/**
 * A SHA-256 hasher that reuses its buffers between calls: authentication hashes one short key
 * per request, and allocation dominated the cost of a fresh hasher. Not re-entrant, which is
 * fine for synchronous use; each owner (e.g. an authenticator) has its own.
 */
export class Sha256 {
  private readonly h = new Uint32Array(8);
  private readonly w = new Uint32Array(64);
  private block = new Uint8Array(128);
  private ascii = new Uint8Array(64);
  private readonly encoder = new TextEncoder();

  /** The digest of a string's UTF-8 bytes, as the eight 32-bit words of the hash. */
  words(text: string): Uint32Array {
    // Keys are nearly always ASCII: copy the characters straight in, skipping TextEncoder's allocation.
    if (text.length <= 4096) {
      if (this.ascii.length < text.length) this.ascii = new Uint8Array(Math.max(64, text.length));
      const ascii = this.ascii;
      let i = 0;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0x7f) break;
        ascii[i] = code;
      }
      if (i === text.length) {
        const digest = this.wordsOf(ascii.subarray(0, i));
        ascii.fill(0, 0, i);
        return digest;
      }
    }
    return this.wordsOf(this.encoder.encode(text));
  }

  /** The digest of `data` as the eight 32-bit words of the hash (a view into the hasher: copy to keep). */
  wordsOf(data: Uint8Array): Uint32Array {
    // Message + 0x80 + zero padding + 64-bit big-endian length, in whole 64-byte blocks.
    const total = ((data.length + 9 + 63) >> 6) << 6;
    if (this.block.length < total) this.block = new Uint8Array(total);
    const m = this.block;
    m.set(data);
    m[data.length] = 0x80;
    m.fill(0, data.length + 1, total);
    const bits = data.length * 8;
    const high = Math.floor(bits / 0x100000000);
    const low = bits >>> 0;
    m[total - 8] = high >>> 24; m[total - 7] = high >>> 16; m[total - 6] = high >>> 8; m[total - 5] = high;
    m[total - 4] = low >>> 24; m[total - 3] = low >>> 16; m[total - 2] = low >>> 8; m[total - 1] = low;

    const h = this.h;
    const w = this.w;
    h.set(INITIAL);
    for (let offset = 0; offset < total; offset += 64) {
      for (let i = 0; i < 16; i++) {
        const j = offset + i * 4;
        w[i] = (m[j]! << 24) | (m[j + 1]! << 16) | (m[j + 2]! << 8) | m[j + 3]!;
      }
      for (let i = 16; i < 64; i++) {
        const w15 = w[i - 15]!;
        const w2 = w[i - 2]!;
        const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
        const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
        w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
      }
      let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const ch = (e & f) ^ (~e & g);
        const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = h[0]! + a; h[1] = h[1]! + b; h[2] = h[2]! + c; h[3] = h[3]! + d;
      h[4] = h[4]! + e; h[5] = h[5]! + f; h[6] = h[6]! + g; h[7] = h[7]! + hh;
    }
    // Do not leave the last secret in the scratch buffer.
    m.fill(0, 0, total);
    return h;
  }
}

/** Returns the 32-byte SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return wordsToBytes(new Sha256().wordsOf(data));
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

/** Bytes of a hex string of even length; the caller validates the characters. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** SHA-256 of a string's UTF-8 bytes, as lower-case hex. */
export function sha256Hex(text: string): string {
  return toHex(wordsToBytes(new Sha256().words(text)));
}
