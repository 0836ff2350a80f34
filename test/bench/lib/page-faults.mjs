/**
 * Page faults, informative. A process pays for each page of memory the first time it touches it (a
 * minor fault: the kernel, and under virtualisation the hypervisor, maps a page for it). On a host
 * that is a fraction of a microsecond; inside some virtual machines it is tens of times that, and
 * then it weighs on a Node process (its heap, its code) far more than on a small C program. The
 * benchmark measures the cost of a fault on fresh memory here, and shows what each side's faults
 * cost at that price.
 */
import { execFileSync } from 'node:child_process';
import { alternateMinorFaults, alternateWall, median } from './measure.mjs';
import { count, ms, sampleLine } from './report.mjs';

/** Node's typed arrays of this size are fresh pages from the kernel. */
const FILLED_MIB = 16;

/**
 * Microseconds a fault from what filling cost more than not filling, or null when the faults are
 * not one a page: with huge pages (or larger base pages than the machine says) filling makes far
 * fewer, and each would be priced as if it were one page.
 */
export function costPerFault({ extraFaults, extraWallMs, pagesFilled }) {
  if (extraFaults < pagesFilled / 2) return null;
  return (extraWallMs * 1000) / extraFaults;
}

/**
 * Node filling a fresh buffer against `node -e 0`, alternating: the extra wall time (the median of
 * each round's difference) over the extra faults (writing the bytes included, about 1 ms). The
 * price of an anonymous page; a fault on a file maps several pages at once and costs more, so times
 * at this price are lower bounds.
 */
export function pageFaultCost(report, { rounds, faultRounds }) {
  report.section(`the cost of memory touched for the first time (informative): node filling ${FILLED_MIB} MiB vs node -e 0`);
  const baseline = { label: 'node -e 0', argv: [process.execPath, '-e', '0'] };
  const filling = { label: `node filling ${FILLED_MIB} MiB`, argv: [process.execPath, '-e', `Buffer.allocUnsafeSlow(${FILLED_MIB} << 20).fill(1)`] };
  const wall = alternateWall([filling, baseline], { iterations: rounds, warmup: 2 });
  const faults = alternateMinorFaults([filling, baseline], { iterations: faultRounds });
  report.line(sampleLine(filling.label, wall[0], ms));
  report.line(sampleLine(baseline.label, wall[1], ms));
  report.line(sampleLine(`minor page faults, ${filling.label}`, faults[0], count));
  report.line(sampleLine(`minor page faults, ${baseline.label}`, faults[1], count));
  const extraFaults = median(faults[0]) - median(faults[1]);
  // The two of one round ran next to each other: the median of their differences is not moved by a
  // slow stretch of the machine as a difference of medians is.
  const extraWallMs = median(wall[0].map((filled, round) => filled - wall[1][round]));
  const pageBytes = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }));
  const micros = costPerFault({ extraFaults, extraWallMs, pagesFilled: (FILLED_MIB << 20) / pageBytes });
  if (micros === null) {
    report.line(`    ${count(extraFaults)} faults more for ${count((FILLED_MIB << 20) / pageBytes)} pages filled (huge pages): no cost per fault is shown`);
    return null;
  }
  report.line(`    ${count(extraFaults)} faults more, ${ms(extraWallMs)} more: ${micros.toFixed(1)} µs a fault; node -e 0's own ${count(median(faults[1]))} are at least ${ms((median(faults[1]) * micros) / 1000)} of its wall`);
  return micros;
}

/**
 * One line: each side's minor faults (`faults`, a median) and, at `micros` a fault, at least how
 * much time they take; with `wall` (a median in ms), their share of it. A side whose faults are
 * spread over threads running beside each other gives no `wall`: summed, they are not a share of it.
 */
export function faultShareLine(micros, sides) {
  const shown = sides.map(({ label, faults, wall, note }) => {
    const counted = `${label} ${count(faults)}${note ? ` (${note})` : ''}`;
    if (micros === null) return counted;
    const spent = (faults * micros) / 1000;
    if (wall === undefined) return `${counted}, at least ${ms(spent)}`;
    const share = (spent / wall) * 100;
    return `${counted}, at least ${ms(spent)} (${share < 1 ? 'under 1' : share.toFixed(0)}% of its wall)`;
  });
  return `    page faults${micros === null ? '' : ` at ${micros.toFixed(1)} µs each`}: ${shown.join('; ')}`;
}
