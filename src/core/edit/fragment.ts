/**
 * Serialising new elements for insertion into an existing document. xmlbuilder2 does the escaping
 * and namespace declarations; it is loaded on first use, never on the hook's start-up path.
 */
export interface FragmentElement {
  /** Qualified name as it will appear (`agg:device`, `hostdev`). */
  name: string;
  /** Namespace URI of the element; null for none. */
  ns: string | null;
  attributes: [name: string, value: string][];
  children?: FragmentElement[];
}

export interface Layout {
  newline: string;
  indentUnit: string;
}

/**
 * The elements as lines, indented one unit per level from zero. `inScope` lists the prefix ->
 * URI bindings already declared where the lines will be inserted, so they are not repeated.
 */
export function fragmentLines(elements: FragmentElement[], inScope: Record<string, string>, layout: Layout): string[] {
  const { create } = require('xmlbuilder2') as typeof import('xmlbuilder2');
  const wrapper = create().ele('fragment');
  for (const [prefix, uri] of Object.entries(inScope)) wrapper.att(prefix === '' ? 'xmlns' : `xmlns:${prefix}`, uri);
  const add = (parent: ReturnType<typeof create>, el: FragmentElement) => {
    const node = el.ns === null ? parent.ele(el.name) : parent.ele(el.ns, el.name);
    for (const [name, value] of el.attributes) node.att(name, value);
    for (const child of el.children ?? []) add(node, child);
  };
  for (const el of elements) add(wrapper, el);
  const text = wrapper.end({ headless: true, prettyPrint: true, indent: layout.indentUnit, newline: '\n', wellFormed: true });
  // Drop the wrapper's own lines and one level of indentation.
  return text
    .split('\n')
    .slice(1, -1)
    .map((line) => line.slice(layout.indentUnit.length));
}
