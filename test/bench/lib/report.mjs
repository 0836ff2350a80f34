/** Printing figures and verdicts. A missed budget is reported, never turned into a failure. */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { summary } from './measure.mjs';

export function machine() {
  let model = cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    // not Linux: os.cpus() has it
  }
  return { nproc: cpus().length, model, node: process.version, date: new Date().toISOString().slice(0, 10) };
}

export const ms = (v) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ms`;
export const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
export const count = (v) => Math.round(v).toLocaleString('en');
export const ratio = (v) => `${v.toFixed(v < 10 ? 3 : 1)}x`;

export function sampleLine(label, values, format) {
  const s = summary(values);
  return `    ${label.padEnd(46)} median ${format(s.median).padStart(10)}   min ${format(s.min).padStart(10)}   n ${s.n}`;
}

/**
 * A budget's verdict. `better`: 'lower' (a ratio or an absolute that must stay under the limit) or
 * 'higher' (a throughput ratio that must reach it). `smallerCorpus`: the figure comes from the short
 * mode's small corpus, which is not the size the budget is set for.
 */
export function verdict(value, limit, better, smallerCorpus = false) {
  if (smallerCorpus) return 'not judged (short corpus)';
  const met = better === 'lower' ? value <= limit : value >= limit;
  return met ? 'met' : 'MISSED';
}

export class Report {
  constructor() {
    this.rows = [];
  }

  section(title, lines = []) {
    console.log(`\n${title}`);
    for (const line of lines) console.log(line);
  }

  line(text) {
    console.log(text);
  }

  /** `shown`: the figure as printed; `limitShown`: the budget as printed. */
  budget({ name, shown, limitShown, result, note = '' }) {
    this.rows.push({ name, shown, limitShown, result, note });
    console.log(`  => ${name}: ${shown} (budget ${limitShown}) ${result}${note ? `  [${note}]` : ''}`);
  }

  skipped(name, reason) {
    this.rows.push({ name, shown: '-', limitShown: '-', result: 'SKIPPED', note: reason });
    console.log(`  => ${name}: SKIPPED (${reason})`);
  }

  printSummary() {
    console.log('\nBudgets (DESIGN 8)');
    const width = Math.max(...this.rows.map((r) => r.name.length));
    for (const r of this.rows) {
      console.log(`  ${r.name.padEnd(width)}  ${r.shown.padStart(12)}  ${r.limitShown.padStart(10)}  ${r.result}${r.note ? `  (${r.note})` : ''}`);
    }
  }
}
