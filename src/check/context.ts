/**
 * What a check runs with: the settings, unique room names, and the connections it opened
 * (all closed when the check ends, pass or fail).
 */
import { request } from '../protocol/tcd-request-text.js';
import { expectJoined, expectJoinNotice, type Joined } from './expect.js';
import { Probe } from './probe.js';
import type { CheckSettings } from './types.js';

export interface Member extends Joined {
  readonly p: Probe;
  readonly name: string;
}

export class CheckContext {
  private readonly probes: Probe[] = [];

  constructor(
    readonly settings: CheckSettings,
    /** Distinguishes this check's rooms from every other check's. */
    private readonly tag: string,
  ) {}

  /** A room name no other check and no other run uses. */
  room(base = 'room'): string {
    return `${base}-${this.tag}-${this.settings.suffix}`;
  }

  async probe(label: string): Promise<Probe> {
    const p = await Probe.open(label, this.settings);
    this.probes.push(p);
    return p;
  }

  /** JOIN, then JOINED_CHATROOM and the joiner's own join notice (T2). */
  async join(p: Probe, room: string, name = p.label): Promise<Member> {
    p.send(request.join(room, name));
    const joined = await expectJoined(p, room);
    await expectJoinNotice(p, joined.roomRef, name);
    return { ...joined, p, name };
  }

  /** Opens one connection per name and joins them to `room` in turn; earlier members get each notice. */
  async group(room: string, names: readonly string[]): Promise<Member[]> {
    const members: Member[] = [];
    for (const name of names) {
      const m = await this.join(await this.probe(name), room, name);
      for (const earlier of members) await expectJoinNotice(earlier.p, m.roomRef, name);
      members.push(m);
    }
    return members;
  }

  closeAll(): void {
    for (const p of this.probes.splice(0)) p.destroy();
  }
}
