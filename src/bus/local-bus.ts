/**
 * The single-process bus: events are delivered in publish order, synchronously but never
 * re-entrantly. An event published while another is being delivered (a slow consumer cut
 * off mid fan-out publishes its leave notices) waits its turn, so a delivery loop never sees
 * the room change under it and every member sees one order (T13).
 */
import type { Bus, RoomEvent, RoomEventHandler } from './bus.js';

export class LocalBus implements Bus {
  private handler: RoomEventHandler | undefined;
  private readonly queue: RoomEvent[] = [];
  private draining = false;

  publish(event: RoomEvent): void {
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        this.handler?.(this.queue[i] as RoomEvent);
      }
    } finally {
      this.queue.length = 0;
      this.draining = false;
    }
  }

  subscribe(handler: RoomEventHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }
}
