/**
 * JSON documents that users and other hosts hand us (the configuration, the driver policy, JSON
 * snapshots): where a parse stopped, and where a value sits, as a line and column of the text.
 * JSON.parse reads the values (strict JSON); jsonc-parser's syntax tree, loaded only when a
 * position or the keys as written are wanted, gives offsets and keeps what JSON.parse merges.
 * Pure: functions of the text.
 */
import type { Node, ParseError } from 'jsonc-parser';
import type { Position } from './diagnostics';
import { LineIndex } from './xml/text-position';

export type JsonPath = (string | number)[];

/** Strict JSON, as JSON.parse reads it. */
const TREE_OPTIONS = { disallowComments: true, allowTrailingComma: false };

/**
 * JSON.parse's complaint, without the excerpt of the input V8 may quote (untrusted text), and where
 * it stopped: "at position N" when V8 says so, else the first error jsonc-parser finds in the same
 * text (loaded only then), else the end for a truncated text.
 */
export function jsonSyntaxError(error: unknown, text: string, lines: LineIndex = new LineIndex(text)): { message: string; position: Position } {
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.replace(/, ".*" is not valid JSON$/s, '');
  const m = /at position (\d+)/.exec(raw);
  if (m) return { message, position: lines.at(Math.min(Number(m[1]), text.length)) };
  const { parseTree } = require('jsonc-parser') as typeof import('jsonc-parser');
  const errors: ParseError[] = [];
  parseTree(text, errors, TREE_OPTIONS);
  return { message, position: lines.at(errors[0]?.offset ?? text.length) };
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `parents[0].types[2].id` */
export const formatJsonPath = (path: JsonPath): string =>
  path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('') || '(the document)';

/** The syntax tree of a text JSON.parse accepted. */
export class JsonTree {
  private readonly root: Node | undefined;
  private lines: LineIndex | null = null;

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
      const next = node && childAt(node, step);
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
}

function childAt(node: Node, step: string | number): Node | undefined {
  if (node.type === 'array' && typeof step === 'number') return node.children?.[step];
  if (node.type !== 'object') return undefined;
  // The last property of that name: the one JSON.parse kept.
  const property = (node.children ?? []).filter((p) => p.children?.[0]?.value === step).at(-1);
  return property?.children?.[1];
}
