/**
 * A token bucket for request rates: `ratePerSecond` tokens flow in, at most `burst` are kept.
 * Pure: the caller passes the time, so tests need no clock.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.last = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds from `nowMs` until `tokens` (at most the burst) are there; 0 if they are. */
  msUntil(tokens: number, nowMs: number): number {
    this.refill(nowMs);
    const missing = Math.min(tokens, this.burst) - this.tokens;
    return missing <= 0 ? 0 : (missing * 1000) / this.ratePerSecond;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = nowMs;
    }
  }
}
