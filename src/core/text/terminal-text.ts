/**
 * The one output sanitiser: what mdev-agg prints for people goes through it, whatever it quotes
 * (domain and guest names, snapshot fields, config keys, file names, argv). C0 controls, DEL, C1
 * controls (U+009B is a CSI on many terminals), and the bidi marks, overrides and isolates are shown
 * escaped as `\u{…}`, so text cannot move the cursor, recolour the terminal or read reversed. Pure.
 */

/** What is escaped: C0 but tab and newline, DEL, C1, and the bidi marks, embeddings, overrides and isolates. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, and line breaks: for what must stay one line. */
const UNSAFE_IN_LINE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

const escapeChar = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;

/** The same characters, tested for first: replacing copies even a text with nothing to escape, which may be hundreds of MB. */
const ANY_UNSAFE = new RegExp(UNSAFE.source);

/** Text for a terminal: lines and tabs kept, every other control and bidi character escaped. */
export const sanitiseText = (text: string): string => (ANY_UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text);

/** Text that must be one line (a hook's failure message): line breaks escaped too. */
export const sanitiseLine = (text: string): string => text.replace(UNSAFE_IN_LINE, escapeChar);

/**
 * JSON text with C1 and bidi characters written as `\uXXXX` escapes, which JSON reads as the same
 * string (JSON.stringify already escapes C0), so a program gets every value unchanged and a
 * terminal shows no control.
 */
export const sanitiseJson = (json: string): string =>
  json.replace(/[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
