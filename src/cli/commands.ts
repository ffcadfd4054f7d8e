/** The subcommands of `roomcast`: name, one line of help, and the function that runs it. */

export interface Subcommand {
  readonly summary: string;
  readonly run: (argv: readonly string[]) => Promise<void>;
}

/**
 * Each command's module is loaded when it runs: the server need not carry the clients' code
 * (and their WebSocket library) in its heap, nor a client the server's.
 */
export const subcommands: Readonly<Record<string, Subcommand>> = {
  serve: {
    summary: 'run the chat server (roomcast serve --help)',
    run: async (argv) => (await import('./serve.js')).serve(argv),
  },
  bench: {
    summary: 'fan-out benchmark against ngIRCd (bench/README.md)',
    run: async (argv) => (await import('./bench.js')).bench(argv),
  },
  dm: {
    summary: 'direct-message client, seed 004 (roomcast dm --help)',
    run: async (argv) => (await import('./dm.js')).dm(argv),
  },
  client: {
    summary: 'interactive chat client (roomcast client --help)',
    run: async (argv) => (await import('./client.js')).client(argv),
  },
  demo: {
    summary: 'run each request once, printing requests and replies',
    run: async (argv) => (await import('./demo.js')).demo(argv),
  },
  check: {
    summary: 'conformance checks against any server (roomcast check --help)',
    run: async (argv) => (await import('./check.js')).check(argv),
  },
};
