/**
 * The web client's behaviour: connect under a name, join, chat, leave, disconnect; and when
 * the server goes away, reconnect with backoff and join every room again (new JOIN_IDs, said
 * in each room). Only the current session's events count, so a connection that is gone can
 * never add a message twice.
 */
import { ServerError } from '../../src/client/errors.js';
import { checkMessage, checkName } from '../../src/client/text.js';
import type { ClientEvent } from '../../src/client/types.js';
import { reconnectDelayMs } from './backoff.js';
import { gatewayUrl, WebLink } from './link.js';
import { ChatModel } from './model.js';
import { ChatSession } from './session.js';
import type { View } from './view.js';

function describe(err: unknown): string {
  if (err instanceof ServerError) return `Error ${err.code}: ${err.description}`;
  return err instanceof Error ? err.message : String(err);
}

export class ChatApp {
  private model: ChatModel | undefined;
  private session: ChatSession | undefined;
  private online = false;
  /** False once the user disconnected: a close is then the end, not a reason to retry. */
  private wanted = false;
  /** A session has opened since connecting: a failed attempt after it is a reconnect. */
  private everOpened = false;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly view: View,
    private readonly url: string = gatewayUrl(location),
  ) {}

  connect(rawName: string): void {
    const name = rawName.trim();
    try {
      checkName('name', name);
    } catch (err) {
      this.view.error('connect', describe(err));
      return;
    }
    this.view.error('connect', '');
    this.model = new ChatModel(name);
    this.wanted = true;
    this.everOpened = false;
    this.attempt = 0;
    this.view.showChat();
    this.open();
    this.render();
  }

  /** DISCONNECT (the server sends our leave notices and closes), then the welcome screen. */
  disconnect(): void {
    const { session, model } = this;
    this.wanted = false;
    this.online = false;
    this.session = undefined; // nothing more from it is shown
    clearTimeout(this.retry);
    if (session !== undefined && !session.link.closed) {
      session.disconnect();
      setTimeout(() => session.link.drop(), 2000); // a server that ignores DISCONNECT
    }
    this.view.setStatus('ok', '');
    this.view.showWelcome(model?.me ?? '');
  }

  async join(rawRoom: string): Promise<void> {
    const { session, model } = this;
    const room = rawRoom.trim();
    if (session === undefined || model === undefined || room === '') return;
    if (model.room(room) !== undefined) {
      this.select(room);
      return;
    }
    this.view.error('join', '');
    try {
      await session.join(room); // the `joined` event has shown it
      if (session !== this.session) return;
      this.view.roomInput.value = '';
      this.view.messageInput.focus();
    } catch (err) {
      if (session === this.session) this.view.error('join', describe(err));
    }
  }

  select(room: string): void {
    if (this.model?.select(room) === undefined) return;
    this.view.error('send', '');
    this.render();
  }

  /** Alt+ArrowUp / Alt+ArrowDown: the room above or below the current one. */
  step(by: 1 | -1): void {
    const names = this.model?.rooms.map((r) => r.name) ?? [];
    const at = names.indexOf(this.model?.current ?? '');
    const next = names[(at + by + names.length) % names.length];
    if (next !== undefined) this.select(next);
  }

  async send(): Promise<void> {
    const { session, model } = this;
    const room = model?.current;
    const raw = this.view.messageInput.value;
    if (session === undefined || model === undefined || room === undefined || raw.trim() === '')
      return;
    let text: string;
    try {
      text = checkMessage(raw);
    } catch (err) {
      this.view.error('send', describe(err));
      return;
    }
    this.view.error('send', '');
    this.view.messageInput.value = '';
    model.sending(room, text);
    try {
      await session.chat(room, text);
    } catch (err) {
      model.notSent(room, text);
      if (session !== this.session && !this.wanted) return;
      this.view.error('send', `Not sent: ${describe(err)}`);
      if (this.view.messageInput.value === '') this.view.messageInput.value = raw;
    }
  }

  async leave(): Promise<void> {
    const { session, model } = this;
    const room = model?.current;
    if (session === undefined || model === undefined || room === undefined) return;
    try {
      await session.leave(room); // the `left` event has removed it
      if (session === this.session) this.view.roomInput.focus();
    } catch (err) {
      if (session === this.session) this.view.error('send', describe(err));
    }
  }

  private open(): void {
    const model = this.model;
    if (model === undefined) return;
    this.view.setStatus('busy', this.everOpened ? 'Reconnecting…' : 'Connecting…');
    const link = new WebLink(this.url, {
      open: () => this.opened(session),
      close: () => this.closed(session),
    });
    const session = new ChatSession(link, model.me, (event) => this.event(session, event));
    this.session = session;
  }

  private opened(session: ChatSession): void {
    if (session !== this.session || this.model === undefined) return;
    this.online = true;
    this.everOpened = true;
    this.attempt = 0;
    this.view.setStatus('ok', `Connected as ${this.model.me}`);
    this.render();
    for (const room of this.model.rooms)
      if (room.status === 'rejoining') void this.rejoin(room.name);
  }

  private async rejoin(room: string): Promise<void> {
    const { session, model } = this;
    if (session === undefined || model === undefined) return;
    try {
      await session.join(room); // the `joined` event notes the new identifiers
    } catch (err) {
      if (session !== this.session) return;
      const note = model.note(room, 'error', `Could not rejoin: ${describe(err)}`);
      const r = model.room(room);
      if (note !== undefined && r !== undefined) this.view.append(r, note);
    }
    this.render();
  }

  private closed(session: ChatSession): void {
    if (session !== this.session || this.model === undefined) return;
    session.lost();
    this.online = false;
    if (!this.wanted) return;
    if (!this.everOpened) {
      this.wanted = false;
      this.view.showWelcome(this.model.me);
      this.view.error('connect', `Cannot reach the server at ${this.url}.`);
      return;
    }
    for (const { room, message } of this.model.lost('Connection lost. Reconnecting…')) {
      this.view.append(room, message);
    }
    const delay = reconnectDelayMs(this.attempt++);
    this.view.setStatus('bad', `Connection lost; reconnecting in ${Math.ceil(delay / 1000)} s…`);
    this.render();
    this.retry = setTimeout(() => this.open(), delay);
  }

  private event(session: ChatSession, event: ClientEvent): void {
    const model = this.model;
    if (session !== this.session || model === undefined) return;
    if (event.type === 'joined') {
      const { room, note } = model.joined(event.room.room, event.room.roomRef, event.room.joinId);
      if (note !== undefined) this.view.append(room, note);
      this.render();
    } else if (event.type === 'left') {
      model.left(event.room.room);
      this.render();
    } else if (event.type === 'chat') {
      const shown = model.chat(event.room, event.from, event.message, event.notice);
      if (shown === undefined) return;
      this.view.append(shown.room, shown.message);
      this.render();
    } else if (event.type === 'error' && event.request === undefined) {
      // Not an answer to a request: the server speaking up (shutting down, idle timeout).
      this.view.setStatus('bad', `Error ${event.code}: ${event.description}`);
    } else if (event.type === 'warning') {
      this.view.setStatus('bad', event.text);
    }
  }

  private render(): void {
    if (this.model !== undefined) this.view.render(this.model, this.online);
  }
}
