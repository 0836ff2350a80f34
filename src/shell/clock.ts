/**
 * Time, behind one small interface: the executor waits for the host lock with it, snapshots and
 * set-aside journals are dated by it. Tests inject a clock whose sleep only moves its time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Blocks for `ms` (a hook run has nothing else to do while it waits for the lock). */
  sleep(ms: number): void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => void Atomics.wait(sleeper, 0, 0, ms) };
