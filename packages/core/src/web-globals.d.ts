// The web-platform globals @gw/core relies on: present in Node >= 18, Deno, Bun, browsers and
// workers. Declared here (instead of pulling in @types/node or the DOM lib) so the compiler
// rejects any other platform API creeping into core.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
/** Base64 of a binary string (each character one byte). */
declare function btoa(data: string): string;
/** The binary string a base64 text stands for; throws on anything else. */
declare function atob(data: string): string;
