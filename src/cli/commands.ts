/** The subcommands of `roomcast`: name, one line of help, and the function that runs it. */
import { bench } from './bench.js';
import { dm } from './dm.js';
import { serve } from './serve.js';
import { check } from './check.js';
import { client } from './client.js';
import { demo } from './demo.js';

export interface Subcommand {
  readonly summary: string;
  readonly run: (argv: readonly string[]) => Promise<void>;
}

export const subcommands: Readonly<Record<string, Subcommand>> = {
  serve: { summary: 'run the chat server (roomcast serve --help)', run: serve },
  bench: { summary: 'fan-out benchmark against ngIRCd (bench/README.md)', run: bench },
  dm: { summary: 'direct-message client, seed 004 (roomcast dm --help)', run: dm },
  client: { summary: 'interactive chat client (roomcast client --help)', run: client },
  demo: { summary: 'run each request once, printing requests and replies', run: demo },
  check: { summary: 'conformance checks against any server (roomcast check --help)', run: check },
};
