/** The web client's settings: an HTTP port of its own, and its defaults. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, readServeSettings } from '../../src/cli/config.js';

test('--http-port may not take the plain or the TLS port; 0 and a port of its own are fine', () => {
  assert.throws(
    () => readServeSettings(['--http-port', '8080'], {}),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message === '--http-port 8080 is taken by another port: give it its own',
  );
  for (const port of ['0', '8081']) {
    const { settings } = readServeSettings(['--http-port', port], {});
    assert.equal(settings.int('http-port'), Number(port));
  }
  const { settings } = readServeSettings([], { ROOMCAST_HTTP_PORT: '9090' });
  assert.deepEqual(
    [settings.int('http-port'), settings.int('max-ws-message-bytes'), settings.int('ws-ping-ms')],
    [9090, 65_536, 30_000],
  );
  assert.equal(readServeSettings([], {}).settings.int('http-port'), undefined, 'off by default');
});
