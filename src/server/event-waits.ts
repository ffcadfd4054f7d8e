/**
 * Waits for a room's event to be handed on here (ServerContext.afterEvent): a JOIN answered
 * 'already' while this node's feed of the room lags the answer takes its member in right
 * after the answer's event, before the next one. Empty almost always: the server looks here
 * per room event only while a wait exists.
 */
interface EventWait {
  readonly seq: number;
  readonly reached: () => void;
  /** The room's order was lost first (`why`), or the server stopped (`undefined`). */
  readonly lost: (why: string | undefined) => void;
}

export class EventWaits {
  private readonly byRoom = new Map<number, EventWait[]>();

  get size(): number {
    return this.byRoom.size;
  }

  add(ref: number, seq: number, reached: () => void, lost: EventWait['lost']): void {
    let waits = this.byRoom.get(ref);
    if (waits === undefined) this.byRoom.set(ref, (waits = []));
    waits.push({ seq, reached, lost });
  }

  /** Room `ref`'s event `seq` was handed on: the waits it reached are called, now. */
  handedOn(ref: number, seq: number): void {
    const waits = this.byRoom.get(ref);
    if (waits === undefined) return;
    const due = waits.filter((w) => w.seq <= seq);
    if (due.length === 0) return;
    const rest = waits.filter((w) => w.seq > seq);
    if (rest.length === 0) this.byRoom.delete(ref);
    else this.byRoom.set(ref, rest);
    for (const w of due) w.reached();
  }

  /** Room `ref`'s order was lost (`why`), or, without a room, the server stopped: all end. */
  lost(ref: number | undefined, why: string | undefined): void {
    const waits =
      ref === undefined ? [...this.byRoom.values()].flat() : (this.byRoom.get(ref) ?? []);
    if (ref === undefined) this.byRoom.clear();
    else this.byRoom.delete(ref);
    for (const w of waits) w.lost(why);
  }
}
