/**
 * Decodes UTF-8 that arrives in chunks: a character split between two chunks is held back until
 * its last byte comes. Far cheaper to create than a TextDecoder (which prepares an ICU converter),
 * and an upstream stream needs one per answer. Invalid bytes become U+FFFD, as with TextDecoder.
 */
export class Utf8Stream {
  /** The first bytes of a character the last chunk ended in the middle of. */
  private held: Buffer | undefined;

  /** True while the start of a character waits for its last bytes. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  decode(chunk: Uint8Array): string {
    let bytes = asBuffer(chunk);
    if (this.held) {
      bytes = Buffer.concat([this.held, bytes]);
      this.held = undefined;
    }
    const whole = wholeCharacters(bytes);
    if (whole < bytes.length) {
      // A copy: the caller may reuse the chunk's memory.
      this.held = Buffer.from(bytes.subarray(whole));
      bytes = bytes.subarray(0, whole);
    }
    return bytes.toString('utf8');
  }
}

/** The same bytes as a Buffer (a view, not a copy): undici's chunks already are. */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** How many bytes of `bytes` end on a character boundary: an unfinished sequence at the end is left out. */
export function wholeCharacters(bytes: Uint8Array): number {
  const length = bytes.length;
  // A character is at most 4 bytes: its lead byte is among the last 4.
  for (let i = length - 1; i >= 0 && i >= length - 4; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + size > length ? i : length;
  }
  return length;
}
