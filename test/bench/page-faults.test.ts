/**
 * The benchmark's page fault figures (lib/page-faults.mjs through measure.mjs's
 * alternateMinorFaults): a count must be the pages the command itself touched, and the cost a
 * fault is given must come from touching more of them, so that a share of a wall means something.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/golden';

/** Runs `body` (an ES module's statements, with the benchmark's modules imported) in its own process; its JSON on stdout. */
function inBenchmark(body: string): any {
  const program = `
    import { alternateMinorFaults } from ${JSON.stringify(join(REPO, 'test/bench/lib/measure.mjs'))};
    import { costPerFault, faultShareLine, pageFaultCost } from ${JSON.stringify(join(REPO, 'test/bench/lib/page-faults.mjs'))};
    const lines = [];
    const report = { section: (t) => lines.push(t), line: (t) => lines.push(t) };
    ${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the benchmark's process failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const node = (script: string) => ({ label: script, argv: [process.execPath, '-e', script] });
const FILL_8_MIB = 'Buffer.allocUnsafeSlow(8 << 20).fill(1)';

describe('GIVEN the benchmark counting minor page faults', () => {
  test('WHEN one command touches 8 MiB more than the other THEN its count is higher by about those 2,048 pages, in every round', () => {
    const faults = inBenchmark(`console.log(JSON.stringify(alternateMinorFaults([${JSON.stringify(node(FILL_8_MIB))}, ${JSON.stringify(node('0'))}], { iterations: 2 })));`);
    expect(faults).toHaveLength(2);
    expect(faults[0]).toHaveLength(2);
    for (let round = 0; round < 2; round++) {
      expect(faults[1][round]).toBeGreaterThan(0);
      // Pages of 4 KiB, not kilobytes (GNU time's %M) nor anything else GNU time counts; Node's own
      // count varies by a few faults from run to run.
      expect(faults[0][round] - faults[1][round]).toBeGreaterThanOrEqual(2000);
      expect(faults[0][round] - faults[1][round]).toBeLessThan(3000);
    }
  });

  test('WHEN a command has steps THEN its count is the sum of its processes', () => {
    const one = node(FILL_8_MIB);
    const faults = inBenchmark(`console.log(JSON.stringify(alternateMinorFaults([{ label: 'twice', steps: [${JSON.stringify(one)}, ${JSON.stringify(one)}] }, ${JSON.stringify(one)}], { iterations: 1 })));`);
    expect(faults[0][0]).toBeGreaterThanOrEqual(2 * 2000);
    expect(faults[0][0]).toBeGreaterThan(1.8 * faults[1][0]);
  });

  test('WHEN the cost of a fault is measured THEN it is a positive figure, shown with the counts it comes from', () => {
    const { micros, lines } = inBenchmark(`const micros = pageFaultCost(report, { rounds: 3, faultRounds: 1 }); console.log(JSON.stringify({ micros, lines }));`);
    // Huge pages would leave no extra faults to divide by: then no figure, and the report says so.
    if (micros === null) expect(lines.join('\n')).toContain('no cost per fault is shown');
    else {
      expect(micros).toBeGreaterThan(0);
      expect(lines.join('\n')).toMatch(/faults more, .* more: \d+\.\d µs a fault/);
    }
  });

  test('WHEN shares are shown THEN each side gets its faults at the cost given, as a share of its own wall when it has one', () => {
    const shown = inBenchmark(`console.log(JSON.stringify({
      line: faultShareLine(10, [{ label: 'A', faults: 2000, wall: 80 }, { label: 'B', faults: 1000, wall: 40 }]),
      countsOnly: faultShareLine(null, [{ label: 'A', faults: 2000, wall: 80 }]),
      small: faultShareLine(10, [{ label: 'C', faults: 1000, wall: 7000 }]),
      threads: faultShareLine(10, [{ label: 'D', faults: 3000, note: 'all threads' }]),
    }));`);
    expect(shown.line).toBe('    page faults at 10.0 µs each: A 2,000, at least 20.0 ms (25% of its wall); B 1,000, at least 10.0 ms (25% of its wall)');
    expect(shown.countsOnly).toBe('    page faults: A 2,000');
    expect(shown.small).toBe('    page faults at 10.0 µs each: C 1,000, at least 10.0 ms (under 1% of its wall)');
    expect(shown.threads).toBe('    page faults at 10.0 µs each: D 3,000 (all threads), at least 30.0 ms');
  });

  test('WHEN filling made far fewer faults than pages (huge pages) THEN no cost is given; one a page, the extra time over them', () => {
    const costs = inBenchmark(`console.log(JSON.stringify([
      costPerFault({ extraFaults: 12, extraWallMs: 20, pagesFilled: 4096 }),
      costPerFault({ extraFaults: 2047, extraWallMs: 20, pagesFilled: 4096 }),
      costPerFault({ extraFaults: 4096, extraWallMs: 40.96, pagesFilled: 4096 }),
    ]));`);
    expect(costs[0]).toBeNull();
    expect(costs[1]).toBeNull();
    expect(costs[2]).toBeCloseTo(10, 6);
  });
});
