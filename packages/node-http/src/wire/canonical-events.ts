import type { JsonRpcId } from '@gw/core';
import { scanAnswer, type ErrorCode } from './answer-scan.js';

/** What the events of one chunk need before they pass on as they came. */
export interface CanonicalChunk {
  /** Where each event's id starts in the text: the upstream's name goes in front of it. */
  readonly idStarts: number[];
  /** The ids of the responses among the events. */
  readonly answered: JsonRpcId[];
  /** What each of those responses says of its failure, in the same order (see ErrorCode). */
  readonly errorCodes: ErrorCode[];
}

const EVENT = 'event: ';
const ID = 'id: ';
const DATA = 'data: ';

/**
 * Reads a chunk of an upstream's event stream (its bytes as latin1, one character per byte) that
 * holds only whole events written as the gateway writes them: `event: `, `id: ` and one `data: `
 * line in that order, LF line ends, each data a response or not JSON at all. Such a chunk reaches the
 * client byte for byte (only each id gets its upstream's name), so it is never decoded, split
 * into fields or written out again. Anything else (a request, a notification, comments, CRs, a
 * retry field, an event cut off by the chunk's end) returns undefined and goes through the
 * parser. What the parser would make of the chunk and what passes are the same events.
 *
 * CR and LF are single bytes in UTF-8, never part of another character, so lines end where they
 * would in the decoded text; the data is judged as in answer-scan.ts.
 */
export function readCanonical(text: string): CanonicalChunk | undefined {
  // A CR ends lines too; the parser drops an id with a NUL (neither occurs in JSON text).
  if (text.length === 0 || text.indexOf('\r') !== -1 || text.indexOf('\0') !== -1) return undefined;
  const idStarts: number[] = [];
  const answered: JsonRpcId[] = [];
  const errorCodes: ErrorCode[] = [];
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end !== -1 && text.startsWith(EVENT, at)) {
      at = end + 1;
      end = text.indexOf('\n', at);
    }
    if (end !== -1 && text.startsWith(ID, at)) {
      idStarts.push(at + ID.length);
      at = end + 1;
      end = text.indexOf('\n', at);
    }
    // One data line, then the blank line that ends the event.
    if (end === -1 || !text.startsWith(DATA, at) || text.charCodeAt(end + 1) !== 10) return undefined;
    const scanned = scanAnswer(text.slice(at + DATA.length, end));
    if (scanned.kind === 'other') return undefined;
    if (scanned.kind === 'response') {
      answered.push(scanned.id);
      errorCodes.push(scanned.errorCode);
    }
    at = end + 2;
  }
  return { idStarts, answered, errorCodes };
}
