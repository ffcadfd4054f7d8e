/**
 * The seam every room event goes through (DESIGN.md section 1). The server publishes and is
 * called back with each event in the room's one order (T13); it never knows whether the bus
 * is in-process or spans a cluster. Membership changes are events too, so every node applies
 * them at the same point of a room's order.
 */
export type RoomEvent =
  | {
      readonly kind: 'join';
      readonly roomRef: number;
      readonly joinId: number;
      readonly clientName: string;
    }
  | {
      readonly kind: 'leave';
      readonly roomRef: number;
      readonly joinId: number;
      readonly clientName: string;
    }
  | {
      readonly kind: 'chat';
      readonly roomRef: number;
      readonly clientName: string;
      readonly message: string;
    };

export type RoomEventHandler = (event: RoomEvent) => void;

export interface Bus {
  /** Sends an event to every subscriber, in the order published per room. */
  publish(event: RoomEvent): void;
  /** Registers the one handler of this node; events published before it are not replayed. */
  subscribe(handler: RoomEventHandler): void;
  close(): Promise<void>;
}
