/**
 * Robustness figures a test file measures, printed once after its tests as one plain line each
 * (`figure: …`), so a run's output shows what was tried and survived.
 */
export class Figures {
  private readonly counts = new Map<string, number>();

  add(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** Registers an afterAll hook printing `lines(get)` to standard output. */
  printAfterAll(lines: (get: (name: string) => number) => string[]): void {
    afterAll(() => {
      process.stdout.write(lines((name) => this.get(name)).map((l) => `figure: ${l}\n`).join(''));
    });
  }
}
