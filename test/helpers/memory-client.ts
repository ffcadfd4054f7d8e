/**
 * A client over the in-memory transport: the server sees whatever remote address the test
 * gives, so address-dependent rules (KILL_SERVICE policy, per-address limits) can be tested
 * without any network.
 */
import type { Duplex } from 'node:stream';
import type { Acceptor } from '../../src/conn/acceptor.js';
import type { ChatServer } from '../../src/server/chat-server.js';
import { memoryPair } from '../../src/transport/memory.js';
import { waitUntil } from './wait.js';

export class MemoryClient {
  text = '';
  closed = false;

  constructor(readonly end: Duplex) {
    end.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
    });
    end.on('close', () => {
      this.closed = true;
    });
  }

  static connect(server: ChatServer, remoteAddress: string): MemoryClient {
    const [serverEnd, clientEnd] = memoryPair();
    server.handle(serverEnd, {
      remoteAddress,
      remotePort: 40000,
      localAddress: '192.0.2.1',
      localPort: 6000,
    });
    return new MemoryClient(clientEnd);
  }

  /** Through the acceptor, as a transport hands connections in: admission rules apply. */
  static connectVia(acceptor: Acceptor, remoteAddress: string): MemoryClient {
    const [serverEnd, clientEnd] = memoryPair();
    acceptor.handle(serverEnd, {
      remoteAddress,
      remotePort: 40000,
      localAddress: '192.0.2.1',
      localPort: 6000,
      transport: 'memory',
    });
    return new MemoryClient(clientEnd);
  }

  send(text: string): void {
    this.end.write(text);
  }

  /** Waits until `predicate` holds for what was received, or fails after `timeoutMs`. */
  async waitFor(predicate: (text: string) => boolean, timeoutMs = 1000): Promise<string> {
    await waitUntil(
      () => predicate(this.text),
      () => `the text; received ${JSON.stringify(this.text)}`,
      { timeoutMs, everyMs: 5 },
    );
    return this.text;
  }
}
