/** Time source of the phone. Everything time-dependent takes one, so tests and simulations can move days. */
export interface Clock {
  /** Unix time in milliseconds. */
  nowMs(): number;
}

/** The real clock, for the CLI. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  constructor(private current: number) {}

  nowMs(): number {
    return this.current;
  }

  set(unixMs: number): void {
    this.current = unixMs;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
