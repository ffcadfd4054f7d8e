/**
 * Readiness for a load balancer (`/readyz`): a list of named checks, each of which may be
 * asynchronous (cluster mode adds "redis": can this node reach Redis?). Ready when every check
 * passes and no drain has begun; a check that throws, answers false or takes too long fails.
 */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed, when it says (an error's message, or "timed out"). */
  readonly detail?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly CheckResult[];
}

export class Readiness {
  private readonly checks: { readonly name: string; readonly check: ReadinessCheck }[] = [];
  private drainingSince: number | undefined;

  constructor(private readonly timeoutMs = 2000) {}

  /** Adds a check; names appear in `/readyz`'s answer. */
  add(name: string, check: ReadinessCheck): void {
    if (this.checks.some((c) => c.name === name)) throw new Error(`readiness check ${name} twice`);
    this.checks.push({ name, check });
  }

  /** From now on the service is not ready: it is shutting down. */
  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map((c) => this.run(c.name, c.check)));
    const drain: CheckResult = this.draining
      ? { name: 'draining', ok: false, detail: 'shutting down' }
      : { name: 'draining', ok: true };
    const checks = [drain, ...results];
    return { ready: checks.every((c) => c.ok), checks };
  }

  private async run(name: string, check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ name, ok: false, detail: 'timed out' }), this.timeoutMs);
    });
    const outcome = (async (): Promise<CheckResult> => {
      try {
        return (await check()) ? { name, ok: true } : { name, ok: false };
      } catch (err) {
        return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    })();
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
