import type { Position } from '../text/diagnostics';

/**
 * Maps character offsets of one text to 1-based line and column, in O(log lines). The line
 * starts are found on the first question: most documents read are never asked one.
 */
export class LineIndex {
  private starts: number[] | null = null;

  constructor(private readonly text: string) {}

  at(offset: number): Position {
    const line = this.lineOf(offset);
    return { line: line + 1, column: offset - this.lineStarts()[line]! + 1 };
  }

  /** The offset where the line holding `offset` starts. */
  lineStart(offset: number): number {
    return this.lineStarts()[this.lineOf(offset)]!;
  }

  private lineStarts(): number[] {
    return (this.starts ??= lineStarts(this.text));
  }

  /** 0-based line of an offset. */
  private lineOf(offset: number): number {
    const starts = this.lineStarts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
