import type { JsonRpcId } from '@gw/core';

/**
 * What reading an upstream message's text found: it is not JSON; it is one JSON-RPC response and
 * this is its id; or it is something else (a request, a notification, a batch, a response with an
 * unusual id, text this scan does not judge) that the caller must parse whole.
 */
export type AnswerScan = { kind: 'invalid' } | { kind: 'response'; id: JsonRpcId; errorCode: ErrorCode } | { kind: 'other' };

/**
 * What a response says of its failure: undefined for a result, the error's code for an error
 * response, null for an `error` member without an integer code.
 */
export type ErrorCode = number | null | undefined;

/** The code of a response's `error` member, from its JSON text (an error response is rare: parsed whole). */
export function errorCodeOf(errorText: string): number | null {
  try {
    const code = (JSON.parse(errorText) as { code?: unknown } | null)?.code;
    return Number.isInteger(code) ? (code as number) : null;
  } catch {
    return null;
  }
}

const INVALID: Readonly<AnswerScan> = { kind: 'invalid' };
const OTHER: Readonly<AnswerScan> = { kind: 'other' };

/** Deeper than this the verdict is left to JSON.parse (which has no depth limit of its own). */
const MAX_DEPTH = 64;

/** Raw control characters: invalid inside strings, whitespace (tab, LF, CR) between tokens. */
const CONTROL = /[\u0000-\u001f]/;

/**
 * Reads JSON text just far enough to relay it: checks that all of it is JSON, as JSON.parse
 * would, and reads the top-level `id` and whether there is a `method`, without building anything.
 * Most upstream messages are responses, passed on unchanged: a full parse would build every
 * object of the result only to drop it.
 *
 * The last of repeated keys wins, as with JSON.parse, and a top-level key written with an escape
 * is left to the full parse, so no repeated or disguised key can make a response look like another. Text with raw control
 * characters (pretty-printed JSON, or invalid JSON) is left to the full parse, so between tokens
 * only spaces remain; strings are skipped with the engine's own search for quotes and backslashes.
 *
 * The text may be bytes decoded as latin1 (one character per byte): outside strings only ASCII is
 * JSON, and inside them every byte from 0x20 up is allowed, so the verdict is the same as for the
 * bytes decoded as UTF-8 (a decoder never turns a byte above 0x7f into ASCII, nor swallows an
 * ASCII byte). An id with other than ASCII in it is left to the full parse.
 */
export function scanAnswer(text: string): AnswerScan {
  if (CONTROL.test(text)) return OTHER;
  const scan = new Scanner(text);
  scan.skipSpace();
  const ok = scan.at() === 0x7b ? scan.topObject() : scan.value(0);
  if (scan.leftToParse) return OTHER;
  scan.skipSpace();
  if (!ok || scan.pos !== text.length) return INVALID;
  if (scan.keyEscaped || scan.idStart < 0) return OTHER;
  const first = text.charCodeAt(scan.idStart);
  if (first === 0x22) {
    // A string id, taken as written when it has no escape and only ASCII.
    const id = text.slice(scan.idStart + 1, scan.idEnd - 1);
    return scan.idEscaped || !isAscii(id) ? OTHER : { kind: 'response', id, errorCode: scan.errorCode() };
  }
  if (first === 0x2d || (first >= 0x30 && first <= 0x39)) return { kind: 'response', id: Number(text.slice(scan.idStart, scan.idEnd)), errorCode: scan.errorCode() };
  // null, true, an object...: not the id of any request.
  return OTHER;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

class Scanner {
  pos = 0;
  /** The scan stopped without a verdict: too deep, or a request or notification (parsed whole anyway). */
  leftToParse = false;
  /** A top-level key was written with an escape. */
  keyEscaped = false;
  /** Where the value of the last top-level "id" starts and ends (-1: there is none). */
  idStart = -1;
  idEnd = -1;
  idEscaped = false;
  /** Where the value of the last top-level "error" starts and ends (-1: there is none). */
  errorStart = -1;
  errorEnd = -1;
  /** The last string scanned had an escape in it. */
  private escaped = false;
  /** The next backslash at or after where strings were last searched (-1: none is left). */
  private backslash: number;

  constructor(private readonly text: string) {
    this.backslash = text.indexOf('\\');
  }

  at(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** Spaces only: the text has no other whitespace (see CONTROL). */
  skipSpace(): void {
    while (this.text.charCodeAt(this.pos) === 0x20) this.pos++;
  }

  value(depth: number): boolean {
    const c = this.at();
    if (c === 0x22) return this.string();
    if (c === 0x7b || c === 0x5b) return this.container(depth + 1, c + 2);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74) return this.word('true');
    if (c === 0x66) return this.word('false');
    if (c === 0x6e) return this.word('null');
    return false;
  }

  /** The top-level object, whose keys are read: "id" and "method" are what a relay needs. */
  topObject(): boolean {
    this.pos++;
    this.skipSpace();
    if (this.at() === 0x7d) {
      this.pos++;
      return true;
    }
    for (;;) {
      const keyStart = this.pos;
      if (this.at() !== 0x22 || !this.string()) return false;
      if (this.written(keyStart, 'method')) return this.stop();
      // A key written with an escape could be "id" or "method" in disguise: the full parse reads it.
      if (this.escaped) this.keyEscaped = true;
      const isId = !this.escaped && this.written(keyStart, 'id');
      const isError = !isId && !this.escaped && this.written(keyStart, 'error');
      if (!this.colon()) return false;
      const valueStart = this.pos;
      if (!this.value(1)) return false;
      if (isId) {
        this.idStart = valueStart;
        this.idEnd = this.pos;
        this.idEscaped = this.escaped;
      } else if (isError) {
        this.errorStart = valueStart;
        this.errorEnd = this.pos;
      }
      const next = this.afterMember(0x7d);
      if (next !== 1) return next === 0;
    }
  }

  /** What the response says of its failure (see ErrorCode). */
  errorCode(): ErrorCode {
    return this.errorStart < 0 ? undefined : errorCodeOf(this.text.slice(this.errorStart, this.errorEnd));
  }

  /** Whether the key string just scanned (without escapes), from its quote at `start`, is `name`. */
  private written(start: number, name: string): boolean {
    return this.pos - start === name.length + 2 && this.text.startsWith(name, start + 1);
  }

  /** An object (`close` is `}`) or an array (`]`), from its opening bracket. */
  private container(depth: number, close: number): boolean {
    if (depth > MAX_DEPTH) return this.stop();
    this.pos++;
    this.skipSpace();
    if (this.at() === close) {
      this.pos++;
      return true;
    }
    for (;;) {
      if (close === 0x7d && (this.at() !== 0x22 || !this.string() || !this.colon())) return false;
      if (!this.value(depth)) return false;
      const next = this.afterMember(close);
      if (next !== 1) return next === 0;
    }
  }

  private stop(): boolean {
    this.leftToParse = true;
    return false;
  }

  /** After a key: optional spaces, a colon, optional spaces. */
  private colon(): boolean {
    this.skipSpace();
    if (this.at() !== 0x3a) return false;
    this.pos++;
    this.skipSpace();
    return true;
  }

  /** After a member or element: 0 when the container closed, 1 when another follows, -1 when neither. */
  private afterMember(close: number): number {
    this.skipSpace();
    const c = this.at();
    this.pos++;
    if (c === close) return 0;
    if (c !== 0x2c) return -1;
    this.skipSpace();
    return 1;
  }

  /** A string, from its opening quote; every character in it is allowed (no control characters are left). */
  private string(): boolean {
    const text = this.text;
    let pos = this.pos + 1;
    this.escaped = false;
    for (;;) {
      const quote = text.indexOf('"', pos);
      if (quote === -1) return false;
      if (this.backslash !== -1 && this.backslash < pos) this.backslash = text.indexOf('\\', pos);
      const backslash = this.backslash;
      if (backslash === -1 || backslash > quote) {
        this.pos = quote + 1;
        return true;
      }
      // An escape before that quote (which may be the escaped one): check it, search on after it.
      this.escaped = true;
      const escaped = text.charCodeAt(backslash + 1);
      if (escaped === 0x75) {
        for (let i = backslash + 2; i < backslash + 6; i++) if (!isHex(text.charCodeAt(i))) return false;
        pos = backslash + 6;
      } else if (isSimpleEscape(escaped)) pos = backslash + 2;
      else return false;
    }
  }

  private number(): boolean {
    const text = this.text;
    let pos = this.pos;
    if (text.charCodeAt(pos) === 0x2d) pos++;
    const first = text.charCodeAt(pos);
    if (first === 0x30) pos++;
    else if (first >= 0x31 && first <= 0x39) pos = digits(text, pos);
    else return false;
    if (text.charCodeAt(pos) === 0x2e) {
      const after = digits(text, pos + 1);
      if (after === pos + 1) return false;
      pos = after;
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      const after = digits(text, pos);
      if (after === pos) return false;
      pos = after;
    }
    this.pos = pos;
    return true;
  }

  private word(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }
}

/** The end of a run of digits starting at `pos`. */
function digits(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    // Written so that NaN (past the end of the text) stops it too.
    if (!(c >= 0x30 && c <= 0x39)) return pos;
    pos++;
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** " \ / b f n r t */
function isSimpleEscape(c: number): boolean {
  return c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74;
}
