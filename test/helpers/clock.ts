/** A clock for tests: its sleep moves its time without waiting, and it counts what was slept. */
import type { Clock } from '../../src/shell/clock';

export class TestClock implements Clock {
  slept = 0;
  constructor(private time = Date.UTC(2026, 0, 1)) {}
  now() {
    return this.time;
  }
  sleep(ms: number) {
    this.time += ms;
    this.slept += ms;
  }
}
