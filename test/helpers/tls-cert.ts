/**
 * Certificates made at test time (never committed): a self-signed EC certificate for
 * 127.0.0.1 and localhost, by the openssl command, in a temporary folder the test removes.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCert {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM, to trust as a client's CA. */
  readonly pem: Buffer;
  /** SHA-256 fingerprint, as node:tls reports a peer's (`fingerprint256`). */
  readonly fingerprint: string;
}

/** A folder of certificates for one test file; `remove()` deletes it. */
export async function certFolder(): Promise<{
  make(name: string, cn?: string): Promise<TestCert>;
  remove(): Promise<void>;
  readonly dir: string;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-tls-'));
  return {
    dir,
    make: async (name, cn = 'localhost') => {
      const certFile = join(dir, `${name}.crt.pem`);
      const keyFile = join(dir, `${name}.key.pem`);
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]);
      const pem = await readFile(certFile);
      return { certFile, keyFile, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
