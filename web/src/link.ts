/**
 * The page's WebSocket to the server's /ws, as the socket a ClientConnection needs: requests
 * go out as text messages, and every message's bytes go through the project's own reply
 * parser (src/protocol/tcd-reply.ts), which finds replies however the messages cut them.
 */
import type { Endpoint } from '../../src/client/dial.js';
import { TcdReplyParser, type TcdReply } from '../../src/protocol/tcd-reply.js';

export interface LinkHandlers {
  readonly open: () => void;
  /** The connection is gone, or never opened (server down, handshake refused). */
  readonly close: () => void;
}

export class WebLink {
  readonly endpoint: Endpoint;
  private readonly ws: WebSocket;
  private readonly parser = new TcdReplyParser();
  private readonly listeners: ((reply: TcdReply) => void)[] = [];
  closed = false;

  constructor(url: string, handlers: LinkHandlers) {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === 'wss:' ? 443 : 80));
    this.endpoint = { host: u.hostname, port, url };
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.addEventListener('open', () => handlers.open());
    this.ws.addEventListener('message', (e: MessageEvent<string | ArrayBuffer>) => {
      const bytes = typeof e.data === 'string' ? Buffer.from(e.data) : Buffer.from(e.data);
      for (const reply of this.parser.push(bytes)) for (const l of this.listeners) l(reply);
    });
    this.ws.addEventListener('close', () => {
      this.closed = true;
      handlers.close();
    });
  }

  on(_event: 'reply', listener: (reply: TcdReply) => void): this {
    this.listeners.push(listener);
    return this;
  }

  write(data: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  /** Closes without a word (the server then sends our rooms the leave notices, T6). */
  drop(): void {
    this.closed = true;
    this.ws.close(1000);
  }
}

/** The server's WebSocket endpoint beside the page: ws://host:port/ws (wss on https). */
export function gatewayUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
