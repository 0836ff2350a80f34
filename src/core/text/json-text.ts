/**
 * JSON documents that users and other hosts hand us (the configuration, the driver policy, JSON
 * snapshots): read with a depth limit, and placed: where a parse stopped, and where a value sits,
 * as a line and column of the text. JSON.parse reads the values (strict JSON); jsonc-parser's
 * syntax tree, loaded only when a position or the keys as written are wanted, gives offsets and
 * keeps the keys as written. Pure: functions of the text.
 */
import type { Node, ParseError } from 'jsonc-parser';
import { type Position, printable, quoted } from './diagnostics';
import { LineIndex } from '../xml/text-position';

export type JsonPath = (string | number)[];

/** Deeper than any document we read needs, as for XML; it bounds every recursive walk of the tree. */
export const MAX_JSON_DEPTH = 64;

/** Strict JSON, as JSON.parse reads it. */
const TREE_OPTIONS = { disallowComments: true, allowTrailingComma: false };

export type JsonDocument = { ok: true; value: unknown } | { ok: false; message: string; position: Position };

/**
 * The largest JSON document read (the configuration, a policy, a snapshot, the journal): a
 * snapshot's JSON form is about 1.6 times its XML, which may be 4 MiB.
 */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;

/**
 * A leading byte-order mark read as white space, everywhere alike (JSON.parse refuses it, other
 * readers skip it); a space keeps every offset, so positions are the same with or without it.
 */
const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text);

/**
 * The value of a JSON text, or why not and where. The one reader of every JSON input: larger than
 * MAX_JSON_BYTES, nesting deeper than MAX_JSON_DEPTH and a key written twice in one object (which
 * JSON.parse would silently resolve to the last) are refused by a linear scan before anything
 * recursive sees the text; then JSON.parse reads it strictly.
 */
export function parseJsonDocument(input: string): JsonDocument {
  if (input.length > MAX_JSON_BYTES) return { ok: false, message: `input is larger than ${MAX_JSON_BYTES} bytes`, position: { line: 1, column: 1 } };
  const text = withoutBom(input);
  const refused = structureProblem(text);
  if (refused) return { ok: false, message: refused.message, position: new LineIndex(text).at(refused.offset) };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, ...jsonSyntaxError(e, text) };
  }
}

interface Frame {
  object: boolean;
  /** The key being read or the index of the element, for the path of a repeated key. */
  step: string | number;
  expectKey: boolean;
  keys: Set<string> | null;
}

/**
 * One pass over the text outside strings: the first `[` or `{` opening level MAX_JSON_DEPTH + 1,
 * or the first key repeated in its object, with its offset; null when neither. Syntax errors are
 * left to JSON.parse.
 */
function structureProblem(text: string): { message: string; offset: number } | null {
  const frames: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++; // a backslash escapes the next character
        else if (d === 0x22) break;
      }
      const frame = frames[frames.length - 1];
      if (frame?.object && frame.expectKey) {
        frame.expectKey = false;
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return null; // not a string JSON.parse reads: its syntax error says where
        }
        frame.keys ??= new Set();
        if (frame.keys.has(key)) {
          const path = [...frames.slice(0, -1).map((f) => f.step), key];
          return { message: `${formatJsonPath(path)}: this key is written twice in its object`, offset: start };
        }
        frame.keys.add(key);
        frame.step = key;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (frames.length >= MAX_JSON_DEPTH) return { message: `nesting deeper than ${MAX_JSON_DEPTH} levels`, offset: i };
      frames.push({ object: c === 0x7b, step: 0, expectKey: c === 0x7b, keys: null });
    } else if (c === 0x5d || c === 0x7d) frames.pop();
    else if (c === 0x2c) {
      const frame = frames[frames.length - 1];
      if (frame?.object) frame.expectKey = true;
      else if (frame) frame.step = (frame.step as number) + 1;
    }
  }
  return null;
}

/**
 * JSON.parse's complaint without the excerpt of the input V8 may append (untrusted text), any
 * character outside printable ASCII escaped, and where it stopped: "at position N" when V8 says
 * so, else the first error jsonc-parser finds in the same text, else the end.
 */
function jsonSyntaxError(error: unknown, text: string): { message: string; position: Position } {
  const raw = error instanceof Error ? error.message : String(error);
  const message = `not valid JSON: ${printable(raw.replace(/, (\.\.\.)?".*$/s, ''))}`;
  const lines = new LineIndex(text);
  const m = /at position (\d+)/.exec(raw);
  if (m) return { message, position: lines.at(Math.min(Number(m[1]), text.length)) };
  const { parseTree } = require('jsonc-parser') as typeof import('jsonc-parser');
  const errors: ParseError[] = [];
  parseTree(text, errors, TREE_OPTIONS);
  return { message, position: lines.at(errors[0]?.offset ?? text.length) };
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** `parents[0].types[2].id`; a key that is not a plain name is quoted and escaped: `drivers["../x"]`. */
export const formatJsonPath = (path: JsonPath): string =>
  path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : !PLAIN_KEY.test(step) ? `[${quoted(step)}]` : i === 0 ? step : `.${step}`))
    .join('') || '(the document)';

/** The syntax tree of a text parseJsonDocument accepted (so no deeper than MAX_JSON_DEPTH). */
export class JsonTree {
  private readonly root: Node | undefined;
  private lines: LineIndex | null = null;
  /** Per object node, its members by key; built on first use. */
  private readonly members = new Map<Node, Map<string, Node>>();

  private readonly text: string;

  constructor(text: string) {
    this.text = withoutBom(text);
    const { parseTree } = require('jsonc-parser') as typeof import('jsonc-parser');
    this.root = parseTree(this.text, [], TREE_OPTIONS);
  }

  /**
   * The position of the value at `path`, or of its key when `key` is set; the nearest enclosing
   * value that exists when the path ends early (a missing key is reported at its object).
   */
  at(path: JsonPath, key = false): Position {
    let node = this.root;
    for (const step of path) {
      const next = node && this.childAt(node, step);
      if (!next) break;
      node = next;
    }
    const target = key && node?.parent?.type === 'property' ? node.parent : node;
    this.lines ??= new LineIndex(this.text);
    return this.lines.at(target?.offset ?? 0);
  }

  private childAt(node: Node, step: string | number): Node | undefined {
    if (node.type === 'array') return typeof step === 'number' ? node.children?.[step] : undefined;
    if (node.type !== 'object') return undefined;
    let byKey = this.members.get(node);
    if (!byKey) {
      byKey = new Map();
      for (const property of node.children ?? []) {
        const [name, value] = property.children ?? [];
        if (name && value) byKey.set(String(name.value), value);
      }
      this.members.set(node, byKey);
    }
    return byKey.get(String(step));
  }
}
