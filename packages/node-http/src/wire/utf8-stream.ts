import { StringDecoder } from 'node:string_decoder';

/** What node's StringDecoder has long exposed of its state (kept for compatibility; not in its typings). */
interface DecoderState {
  /** Bytes still missing from the character the last chunk ended in the middle of. */
  readonly lastNeed?: number;
}

/**
 * Decodes UTF-8 that arrives in chunks, with node's StringDecoder: a character split between two
 * chunks is held back until its last byte comes, and invalid bytes become U+FFFD, as with
 * TextDecoder. The gateway benchmark showed no loss beyond its noise against the hand-written
 * boundary check this replaces (bench/README.md, primitives.mjs).
 */
export class Utf8Stream {
  private readonly decoder = new StringDecoder('utf8');

  /** True while the start of a character waits for its last bytes. */
  get holding(): boolean {
    return ((this.decoder as DecoderState).lastNeed ?? 0) > 0;
  }

  decode(chunk: Uint8Array): string {
    return this.decoder.write(chunk);
  }
}

/** The same bytes as a Buffer (a view, not a copy): undici's chunks already are. */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
