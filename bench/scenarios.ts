// Benchmark scenarios: one workload each, run unchanged against roomcast (TCD protocol) and
// ngIRCd (IRC). See bench/README.md for what each one measures.
import type { Workload } from './loadgen.ts';

export interface Scenario {
  readonly description: string;
  readonly workload: Workload;
  /** Pause after the joins settle before sampling the server's RSS (lets it go quiet). */
  readonly settleMs: number;
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
  },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof scenarios;

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(scenarios, name);
}
