/**
 * JSON documents that users and other hosts hand us (the configuration, the driver policy, JSON
 * snapshots): read with a depth limit, and placed: where a parse stopped, and where a value sits,
 * as a line and column of the text. JSON.parse reads the values (strict JSON); jsonc-parser's
 * syntax tree, loaded only when a position or the keys as written are wanted, gives offsets and
 * keeps what JSON.parse merges. Pure: functions of the text.
 */
import type { Node, ParseError } from 'jsonc-parser';
import { type Position, printable, quoted } from './diagnostics';
import { LineIndex } from './xml/text-position';

export type JsonPath = (string | number)[];

/** Deeper than any document we read needs, as for XML; it bounds every recursive walk of the tree. */
export const MAX_JSON_DEPTH = 64;

/** Strict JSON, as JSON.parse reads it. */
const TREE_OPTIONS = { disallowComments: true, allowTrailingComma: false };

export type JsonDocument = { ok: true; value: unknown } | { ok: false; message: string; position: Position };

/**
 * The value of a JSON text, or why not and where: nesting deeper than MAX_JSON_DEPTH (found by a
 * linear scan before anything recursive sees the text), or a syntax error.
 */
export function parseJsonDocument(text: string): JsonDocument {
  const deep = tooDeepAt(text);
  if (deep >= 0) return { ok: false, message: `nesting deeper than ${MAX_JSON_DEPTH} levels`, position: new LineIndex(text).at(deep) };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, ...jsonSyntaxError(e, text) };
  }
}

/** The offset of the first `[` or `{` opening level MAX_JSON_DEPTH + 1 outside strings; -1 when none does. */
function tooDeepAt(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
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
  /** Per object node, its members by key (the last of a repeated key, as JSON.parse keeps); built on first use. */
  private readonly members = new Map<Node, Map<string, Node>>();

  constructor(private readonly text: string) {
    const { parseTree } = require('jsonc-parser') as typeof import('jsonc-parser');
    this.root = parseTree(text, [], TREE_OPTIONS);
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

  /** Every key written twice in one object (JSON.parse keeps the last silently), with its path. */
  repeatedKeys(): JsonPath[] {
    const found: JsonPath[] = [];
    const walk = (node: Node, path: JsonPath) => {
      if (node.type === 'object') {
        const seen = new Set<string>();
        for (const property of node.children ?? []) {
          const [name, value] = property.children ?? [];
          if (!name) continue;
          const key = String(name.value);
          if (seen.has(key)) found.push([...path, key]);
          seen.add(key);
          if (value) walk(value, [...path, key]);
        }
      } else if (node.type === 'array') (node.children ?? []).forEach((child, i) => walk(child, [...path, i]));
    };
    if (this.root) walk(this.root, []);
    return found;
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
