/**
 * The page: renders what the model holds. Every piece of text from the network is set with
 * textContent, never parsed as HTML, so a message such as `<img src=x onerror=...>` shows as
 * those characters. Each room has its own message list, appended to once per message.
 */
import { KEEP_MESSAGES, type ChatModel, type Message, type Room } from './model.js';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing from the page`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export type ErrorPlace = 'connect' | 'join' | 'send';
export type StatusKind = 'ok' | 'busy' | 'bad';

export class View {
  readonly welcome = byId('welcome');
  readonly chat = byId('chat');
  readonly connectForm = byId<HTMLFormElement>('connect-form');
  readonly nameInput = byId<HTMLInputElement>('name');
  readonly joinForm = byId<HTMLFormElement>('join-form');
  readonly roomInput = byId<HTMLInputElement>('room-name');
  readonly composer = byId<HTMLFormElement>('composer');
  readonly messageInput = byId<HTMLTextAreaElement>('message');
  readonly sendButton = byId<HTMLButtonElement>('send');
  readonly leaveButton = byId<HTMLButtonElement>('leave');
  readonly disconnectButton = byId<HTMLButtonElement>('disconnect');
  private readonly status = byId('status');
  private readonly roomList = byId('rooms');
  private readonly logs = byId('logs');
  private readonly empty = byId('empty');
  private readonly title = byId('room-title');
  private readonly ids = byId('room-ids');
  private readonly errors: Record<ErrorPlace, HTMLElement> = {
    connect: byId('connect-error'),
    join: byId('join-error'),
    send: byId('send-error'),
  };
  private readonly entries = new Map<string, { li: HTMLLIElement; badge: HTMLElement }>();
  private readonly lists = new Map<string, HTMLOListElement>();

  showWelcome(name: string): void {
    this.chat.hidden = true;
    this.welcome.hidden = false;
    for (const list of this.lists.values()) list.remove();
    for (const entry of this.entries.values()) entry.li.remove();
    this.lists.clear();
    this.entries.clear();
    this.nameInput.value = name;
    this.nameInput.focus();
    document.title = 'roomcast';
  }

  showChat(): void {
    this.welcome.hidden = true;
    this.chat.hidden = false;
    this.roomInput.focus();
  }

  setStatus(kind: StatusKind, text: string): void {
    this.status.textContent = text;
    this.status.dataset['kind'] = kind;
  }

  error(place: ErrorPlace, text: string): void {
    this.errors[place].textContent = text;
  }

  /** Brings the room list, the current room and the composer in line with the model. */
  render(model: ChatModel, online: boolean): void {
    for (const [name, entry] of this.entries) {
      if (model.room(name) === undefined) {
        entry.li.remove();
        this.entries.delete(name);
        this.lists.get(name)?.remove();
        this.lists.delete(name);
      }
    }
    for (const room of model.rooms) this.renderEntry(model, room);
    const current = model.current === undefined ? undefined : model.room(model.current);
    for (const [name, list] of this.lists) list.hidden = name !== current?.name;
    this.empty.hidden = current !== undefined;
    this.title.textContent = current?.name ?? 'No room yet';
    this.ids.textContent =
      current === undefined
        ? ''
        : current.status === 'joined'
          ? `ROOM_REF ${current.roomRef} · JOIN_ID ${current.joinId}`
          : 'rejoining…';
    this.leaveButton.hidden = current === undefined;
    const canSend = online && current?.status === 'joined';
    this.messageInput.disabled = !canSend;
    this.sendButton.disabled = !canSend;
    this.leaveButton.disabled = !canSend;
    const unread = model.totalUnread;
    document.title = unread > 0 ? `(${unread}) roomcast` : 'roomcast';
  }

  /** Adds one message to its room's list, keeping the view at the bottom if it was there. */
  append(room: Room, message: Message): void {
    const list = this.list(room.name);
    const atBottom = this.logs.scrollHeight - this.logs.scrollTop - this.logs.clientHeight < 40;
    list.append(messageItem(message));
    while (list.childElementCount > KEEP_MESSAGES) list.firstElementChild?.remove();
    if (atBottom || message.own) this.logs.scrollTop = this.logs.scrollHeight;
  }

  private list(name: string): HTMLOListElement {
    let list = this.lists.get(name);
    if (list === undefined) {
      list = el('ol', 'messages');
      list.setAttribute('role', 'log');
      list.setAttribute('aria-label', `Messages in ${name}`);
      list.dataset['room'] = name;
      this.lists.set(name, list);
      this.logs.append(list);
    }
    return list;
  }

  private renderEntry(model: ChatModel, room: Room): void {
    let entry = this.entries.get(room.name);
    if (entry === undefined) {
      const li = el('li', 'room-entry');
      const button = el('button', 'room-button');
      button.type = 'button';
      button.dataset['room'] = room.name;
      const badge = el('span', 'unread');
      button.append(el('span', 'room-name', room.name), badge);
      li.append(button);
      this.roomList.append(li);
      entry = { li, badge };
      this.entries.set(room.name, entry);
      this.list(room.name);
    }
    const button = entry.li.firstElementChild as HTMLButtonElement;
    if (model.current === room.name) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
    entry.li.dataset['status'] = room.status;
    entry.badge.textContent = room.unread > 0 ? String(room.unread) : '';
    entry.badge.setAttribute('aria-label', room.unread > 0 ? `${room.unread} unread` : '');
  }
}

function messageItem(m: Message): HTMLLIElement {
  const li = el('li', `msg ${m.kind}${m.own ? ' own' : ''}`);
  li.dataset['id'] = String(m.id);
  const time = el('time', 'time', clock.format(m.at));
  time.dateTime = m.at.toISOString();
  if (m.kind === 'chat') {
    const meta = el('div', 'meta');
    meta.append(el('span', 'from', m.from));
    if (m.own) meta.append(el('span', 'you', ' (you)'));
    meta.append(time);
    li.append(meta, el('div', 'text', m.text));
  } else {
    li.append(el('span', 'text', m.text), time);
  }
  return li;
}
