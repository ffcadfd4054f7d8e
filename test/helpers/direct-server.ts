/**
 * A real roomcast server serving both protocols on 127.0.0.1, port 0 (the Acceptor picks the
 * chat-room server or the DirectServer by the first bytes). Drive it with WireClient.
 */
import { Acceptor } from '../../src/conn/acceptor.js';
import { DirectServer } from '../../src/dm-server/direct-server.js';
import { defaultDirectTuning, type DirectTuning } from '../../src/dm-server/options.js';
import { claimsCol334 } from '../../src/protocol/col334.js';
import { ChatServer } from '../../src/server/chat-server.js';
import type { Limits } from '../../src/server/options.js';
import { listenTcp } from '../../src/transport/tcp.js';
import { testOptions } from './server.js';
import { WireClient } from './wire-client.js';

export interface DirectTestServer {
  readonly port: number;
  readonly chat: ChatServer;
  readonly direct: DirectServer;
  close(): Promise<void>;
}

export interface DirectTestOptions {
  readonly limits?: Partial<Limits>;
  readonly tuning?: Partial<DirectTuning>;
}

export async function startDirectServer(o: DirectTestOptions = {}): Promise<DirectTestServer> {
  const options = testOptions(o.limits === undefined ? {} : { limits: o.limits });
  const chat = new ChatServer(options);
  const direct = new DirectServer({
    ...defaultDirectTuning,
    ...o.tuning,
    limits: options.limits,
    logger: options.logger,
  });
  const acceptor = new Acceptor(chat, [{ claims: claimsCol334, handler: direct }]);
  const listener = await listenTcp(acceptor, '127.0.0.1', 0, options.logger);
  return {
    port: listener.port,
    chat,
    direct,
    close: async () => {
      await Promise.all([listener.close(), acceptor.shutdown(200)]);
    },
  };
}

/** A user as the protocol has it: a send and a receive connection, both registered. */
export interface WireUser {
  readonly name: string;
  readonly send: WireClient;
  readonly recv: WireClient;
  close(): void;
}

export async function registerUser(port: number, name: string): Promise<WireUser> {
  const send = await WireClient.connect(port);
  send.send(`REGISTER TOSEND ${name}\n\n`);
  await send.expect(`REGISTERED TOSEND ${name}\n\n`);
  const recv = await WireClient.connect(port);
  recv.send(`REGISTER TORECV ${name}\n\n`);
  await recv.expect(`REGISTERED TORECV ${name}\n\n`);
  return {
    name,
    send,
    recv,
    close: () => {
      send.close();
      recv.close();
    },
  };
}

/** The bytes of a SEND (client) or FORWARD (server) with a byte Content-length (C1). */
export function withBody(firstLine: string, body: string | Buffer): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([Buffer.from(`${firstLine}\nContent-length: ${bytes.length}\n\n`), bytes]);
}
