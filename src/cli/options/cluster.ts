/**
 * Running several nodes as one service. Cluster mode's settings (the Redis address and key
 * prefix, the node's id, worker processes) belong here; none is in this build yet, and the
 * group is shown in `--help` so that they have their place.
 */
import type { OptionSpec } from './spec.js';

export const clusterOptions = [] as const satisfies readonly OptionSpec[];
