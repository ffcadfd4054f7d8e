/**
 * Identifier allocation (T7): ROOM_REF and JOIN_ID are positive integers handed out in order
 * and never reused while the service runs. Starting at 1 keeps 0 free for the "0" that
 * clients send in CLIENT_IP and PORT, and out of reach of `if (!ref)` bugs in clients.
 */
export class IdAllocator {
  private last = 0;

  next(): number {
    this.last += 1;
    return this.last;
  }

  /** True if `id` was handed out at some point (it may belong to a closed connection). */
  wasIssued(id: number): boolean {
    return id >= 1 && id <= this.last;
  }
}
