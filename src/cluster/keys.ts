/** The cluster's key and channel names, all under the service's prefix (`--redis-prefix`). */
export class Keys {
  constructor(
    readonly prefix: string,
    readonly nodeId: string,
  ) {}

  get epoch(): string {
    return `${this.prefix}epoch`;
  }

  get nodes(): string {
    return `${this.prefix}nodes`;
  }

  /** The channel this node publishes its liveness probes on, to itself. */
  get probe(): string {
    return `${this.prefix}probe:${this.nodeId}`;
  }

  channel(ref: number): string {
    return `${this.prefix}room:${ref}`;
  }

  room(ref: number): string {
    return `${this.prefix}room:${ref}`;
  }

  log(ref: number): string {
    return `${this.prefix}room:${ref}:log`;
  }

  /** Set when a node is reaped, so that it learns so if it was alive after all. */
  reapedMark(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:reaped`;
  }

  reapLock(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:reaper`;
  }

  counter(which: 'join' | 'ref'): string {
    return `${this.prefix}next:${which}`;
  }
}
