// Benchmark scenarios: one workload each, run unchanged against roomcast, its baseline build
// and its cluster modes (TCD protocol), ngIRCd (IRC) and NATS. See bench/README.md for what
// each one measures.
import type { Workload } from './loadgen.ts';

export interface Scenario {
  readonly description: string;
  readonly workload: Workload;
  /** Pause after the joins settle before sampling the server's RSS (lets it go quiet). */
  readonly settleMs: number;
  /**
   * Memory per connection is its point: never warmed up (`--warmup`), since a warm-up's heap
   * would already be grown when the RSS before the joins is read.
   */
  readonly memory?: true;
}

export const scenarios = {
  smoke: {
    description: '20 clients, 2 rooms, 2 senders x 50 messages (counts only; used by the tests)',
    workload: { clients: 20, rooms: 2, senders: 2, messages: 50, timeoutS: 30 },
    settleMs: 0,
  },
  burst100: {
    description: '100 clients in 1 room, 10 senders x 1000 messages at full speed',
    workload: { clients: 100, rooms: 1, senders: 10, messages: 1000, timeoutS: 60 },
    settleMs: 0,
  },
  burst1000: {
    description: '1000 clients in 10 rooms, 100 senders x 100 messages at full speed',
    workload: { clients: 1000, rooms: 10, senders: 100, messages: 100, timeoutS: 90 },
    settleMs: 0,
  },
  rate495k: {
    description:
      '100 clients in 1 room, 4950 messages/s over 10 senders for 10 s (~495k deliveries/s)',
    workload: { clients: 100, rooms: 1, senders: 10, messages: 4950, rate: 4950, timeoutS: 60 },
    settleMs: 0,
  },
  conn10k: {
    description: '10 000 mostly idle clients in 100 rooms; 100 senders x 10 messages at 500/s',
    workload: { clients: 10000, rooms: 100, senders: 100, messages: 10, rate: 500, timeoutS: 240 },
    settleMs: 1000,
    memory: true,
  },
  // Not in the default list (bench/README.md, "Scenarios"):
  rate50k: {
    // For cluster2: every room's members alternate over the two nodes, so of each message's
    // 50 deliveries 25 go to the other node; their latency is reported on its own (x-node).
    description:
      '200 clients in 4 rooms, 500 messages/s over 20 senders for 10 s (~25k deliveries/s)',
    workload: { clients: 200, rooms: 4, senders: 20, messages: 250, rate: 500, timeoutS: 60 },
    settleMs: 0,
  },
  overload100: {
    description:
      '100 clients in 1 room, 10 senders x 10 000 messages, full speed with no in-flight window',
    // window 0: each sender writes as fast as TCP takes it; what counts is that everything
    // arrives, nobody is cut and the server's peak RSS, not the rate.
    workload: { clients: 100, rooms: 1, senders: 10, messages: 10000, window: 0, timeoutS: 120 },
    settleMs: 0,
  },
  conn5000: {
    description: '5 000 mostly idle clients in 50 rooms; 50 senders x 10 messages at 500/s',
    workload: { clients: 5000, rooms: 50, senders: 50, messages: 10, rate: 500, timeoutS: 180 },
    settleMs: 1000,
    memory: true,
  },
  room1000: {
    description: '1 000 clients in 1 room, 10 senders x 200 messages at full speed',
    workload: { clients: 1000, rooms: 1, senders: 10, messages: 200, timeoutS: 120 },
    settleMs: 0,
  },
  rooms2x2000: {
    // Client i joins room i mod 2000 and clients 0..1999 send: each room's first member.
    description:
      "2 000 rooms of 2 (4 000 clients); each room's first member sends 50 at full speed",
    workload: { clients: 4000, rooms: 2000, senders: 2000, messages: 50, timeoutS: 180 },
    settleMs: 0,
  },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof scenarios;

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(scenarios, name);
}
