/**
 * Page faults, informative. A process pays for each page of memory the first time it touches it (a
 * minor fault: the kernel maps and clears the page). On a host that is a fraction of a microsecond;
 * inside some virtual machines it is tens of times that, and then it weighs on a Node process (its
 * heap, its code) far more than on a small C program. The benchmark measures the cost here, and shows
 * which share of a comparison's wall each side spends on it.
 */
import { alternateMinorFaults, alternateWall, median } from './measure.mjs';
import { count, ms, sampleLine } from './report.mjs';

/** Node's typed arrays of this size are fresh pages from the kernel. */
const FILLED_MIB = 16;

/**
 * Node filling a fresh buffer against `node -e 0`, alternating: the extra wall time over the extra
 * faults (writing the bytes included), in microseconds a fault; null when filling made no more
 * faults (huge pages).
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
  if (extraFaults <= 0) {
    report.line('    filling made no more page faults (huge pages): no cost per fault is shown');
    return null;
  }
  const extraWall = median(wall[0]) - median(wall[1]);
  const micros = (extraWall * 1000) / extraFaults;
  report.line(`    ${count(extraFaults)} faults more, ${ms(extraWall)} more: ${micros.toFixed(1)} µs a fault; node -e 0's own ${count(median(faults[1]))} are about ${ms((median(faults[1]) * micros) / 1000)} of its wall`);
  return micros;
}

/**
 * One line: each side's minor faults (`faults`, a median) and, at `micros` a fault, about how much of
 * its wall (`wall`, a median in ms) they take. `micros` null: the counts only.
 */
export function faultShareLine(micros, sides) {
  const shown = sides.map(({ label, faults, wall }) => {
    if (micros === null) return `${label} ${count(faults)}`;
    const spent = (faults * micros) / 1000;
    const share = (spent / wall) * 100;
    return `${label} ${count(faults)}, about ${ms(spent)} (${share < 1 ? 'under 1' : share.toFixed(0)}% of its wall)`;
  });
  return `    page faults${micros === null ? '' : ` at ${micros.toFixed(1)} µs each`}: ${shown.join('; ')}`;
}
