/**
 * How long the web client waits before reconnect attempt `n` (0, 1, ...): 0.5 s doubling up
 * to 10 s, each spread by ±20 % so that pages cut off together by a restart do not all
 * come back in the same instant.
 */
export function reconnectDelayMs(n: number, random: () => number = Math.random): number {
  return Math.round(Math.min(10_000, 500 * 2 ** n) * (0.8 + 0.4 * random()));
}
