/**
 * Where the client's events go: synchronous listeners see each one while the reply that caused
 * it is dispatched (so they keep the server's order), and every async iterator gets its own
 * queue from the moment it was created until the hub ends.
 */
import { EventQueue } from './event-queue.js';

export class EventHub<T> {
  private readonly listeners = new Set<(event: T) => void>();
  private readonly queues = new Set<EventQueue<T>>();
  private ended = false;

  subscribe(listener: (event: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  iterator(): EventQueue<T> {
    const queue: EventQueue<T> = new EventQueue(() => {
      unsubscribe();
      this.queues.delete(queue);
    });
    const unsubscribe = this.subscribe((event) => queue.push(event));
    this.queues.add(queue);
    if (this.ended) queue.end();
    return queue;
  }

  emit(event: T): void {
    for (const listener of this.listeners) listener(event);
  }

  /** No more events: iterators finish once they have taken what is buffered. */
  end(): void {
    this.ended = true;
    for (const queue of this.queues) queue.end();
  }
}
