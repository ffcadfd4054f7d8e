/** What a client call can fail with: a server's ERROR_CODE, a timeout, or a local refusal. */

/** The server answered a request with ERROR_CODE (T12). */
export class ServerError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
  ) {
    super(`error ${code}: ${description}`);
    this.name = 'ServerError';
  }
}

/** No answer came in time; the connection may still be usable. */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** The client refused a call before sending anything (not joined, bad name, closed). */
export class ClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientError';
  }
}
