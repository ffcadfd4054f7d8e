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
  const acceptor = new Acceptor(chat, [{ name: 'col334', claims: claimsCol334, handler: direct }]);
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
  /**
   * Proves nothing arrived on one connection. COL334 has no HELO; the barrier is the
   * connection's own REGISTER, repeated: the server answers it again (a registered connection
   * repeating its registration), in order with whatever it owed that connection before. Only
   * for a send connection with no SEND awaiting its reply (replies keep request order, so the
   * barrier would wait behind it): use expectNoReplyYet for that.
   */
  expectNothing(side: 'send' | 'recv'): Promise<void>;
  /**
   * Proves that a SEND awaiting its reply has not had one yet. The barrier runs on the
   * receive connection: anything the server owed the send connection by then it wrote before
   * answering the barrier, and on loopback those bytes are readable by the time the answer
   * is; one turn of the event loop lets them be read before looking.
   */
  expectNoReplyYet(): Promise<void>;
  close(): void;
}

export async function registerUser(port: number, name: string): Promise<WireUser> {
  const send = await WireClient.connect(port);
  send.send(`REGISTER TOSEND ${name}\n\n`);
  await send.expect(`REGISTERED TOSEND ${name}\n\n`);
  const recv = await WireClient.connect(port);
  recv.send(`REGISTER TORECV ${name}\n\n`);
  await recv.expect(`REGISTERED TORECV ${name}\n\n`);
  const barrier = (side: 'send' | 'recv'): Promise<void> => {
    const role = side === 'send' ? 'TOSEND' : 'TORECV';
    return (side === 'send' ? send : recv).expectNothingBefore(
      `REGISTER ${role} ${name}\n\n`,
      `REGISTERED ${role} ${name}\n\n`,
    );
  };
  return {
    name,
    send,
    recv,
    expectNothing: barrier,
    expectNoReplyYet: async () => {
      await barrier('recv');
      await new Promise((resolve) => setImmediate(resolve));
      send.expectEmpty();
    },
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
