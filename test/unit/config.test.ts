/**
 * Settings from four layers (flag, then environment, then config file, then default) and every
 * kind of bad value or bad file: each is a ConfigError naming the setting and what it allows.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, readServeSettings } from '../../src/cli/config.js';
import { admissionFromSettings } from '../../src/cli/service-options.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const KEY = 'max-rooms-per-connection';
const ENV = 'ROOMCAST_MAX_ROOMS_PER_CONNECTION';

test('precedence: flag, then environment, then file, then default', async () => {
  const config = await file('layers.json', JSON.stringify({ [KEY]: 7 }));
  const read = (argv: string[], env: NodeJS.ProcessEnv) => readServeSettings(argv, env).settings;
  const all = read(['--config', config, `--${KEY}`, '9'], { [ENV]: '8' });
  assert.equal(all.int(KEY), 9);
  assert.equal(all.source(KEY), 'flag');
  const envOverFile = read(['--config', config], { [ENV]: '8' });
  assert.equal(envOverFile.int(KEY), 8);
  assert.equal(envOverFile.source(KEY), 'environment');
  const fileOnly = read([], { ROOMCAST_CONFIG: config });
  assert.equal(fileOnly.int(KEY), 7);
  assert.equal(fileOnly.source(KEY), 'file');
  const none = read([], {});
  assert.equal(none.int(KEY), 256);
  assert.equal(none.source(KEY), 'default');
  // The file's own name: the flag wins over the variable.
  const other = await file('other.json', JSON.stringify({ [KEY]: 5 }));
  assert.equal(read(['--config', config], { ROOMCAST_CONFIG: other }).int(KEY), 7);
  // An empty variable counts as unset.
  assert.equal(read([], { [ENV]: '' }).int(KEY), 256);
});

test('every kind of value from the file: ints, strings, choices, booleans, paths', async () => {
  const config = await file(
    'kinds.json',
    JSON.stringify({
      'student-id': 'lab-7',
      'kill-policy': 'off',
      'limit-loopback': true,
      'tls-port': 8443,
      'tls-cert': 'certs/c.pem',
      'tls-key': '/etc/roomcast/k.pem',
    }),
  );
  const { settings } = readServeSettings(['--config', config], {});
  assert.equal(settings.text('student-id'), 'lab-7');
  assert.equal(settings.text('kill-policy'), 'off');
  assert.equal(settings.bool('limit-loopback'), true);
  assert.equal(settings.int('tls-port'), 8443);
  assert.equal(
    settings.text('tls-cert'),
    join(dir, 'certs/c.pem'),
    "relative to the file's folder",
  );
  assert.equal(settings.text('tls-key'), '/etc/roomcast/k.pem');
  assert.equal(admissionFromSettings(settings).exemptLoopback, false);
  // A boolean flag, and a variable that turns one off.
  assert.equal(readServeSettings(['--limit-loopback'], {}).settings.bool('limit-loopback'), true);
  const off = { ROOMCAST_LIMIT_LOOPBACK: '0' };
  assert.equal(readServeSettings(['--config', config], off).settings.bool('limit-loopback'), false);
});

/** The ConfigError message of reading a config file with `text`. */
async function fileError(name: string, text: string): Promise<string> {
  const path = await file(name, text);
  try {
    readServeSettings(['--config', path], {});
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    return err.message.replace(path, 'FILE');
  }
  assert.fail('no error');
}

test('bad files: unknown key, wrong type, out of range, not a choice, not JSON, not an object', async () => {
  assert.match(
    await fileError('unknown.json', '{"max-room": 5}'),
    /^config file FILE: "max-room" is not a setting \(did you mean "max-rooms"\?\); the settings are: student-id, kill-policy, port, .*, log-format$/,
  );
  assert.match(
    await fileError('dashes.json', '{"--port": 5}'),
    /"--port" is not a setting \(did you mean "port"\?\)/,
  );
  assert.match(
    await fileError('config-key.json', '{"config": "other.json"}'),
    /"config" is not a setting;/,
  );
  assert.equal(
    await fileError('string-for-int.json', `{"${KEY}": "7"}`),
    `config file FILE: "${KEY}" must be an integer from 1 to 2147483647, not the string "7"`,
  );
  assert.equal(
    await fileError('fraction.json', `{"${KEY}": 7.5}`),
    `config file FILE: "${KEY}" must be an integer from 1 to 2147483647, not 7.5`,
  );
  assert.equal(
    await fileError('low.json', `{"${KEY}": 0}`),
    `config file FILE: "${KEY}" must be an integer from 1 to 2147483647, not 0`,
  );
  assert.equal(
    await fileError('port.json', '{"port": 70000}'),
    'config file FILE: "port" must be an integer from 0 to 65535, not 70000',
  );
  assert.equal(
    await fileError('choice.json', '{"kill-policy": "some"}'),
    'config file FILE: "kill-policy" must be one of any, local, off, not the string "some"',
  );
  assert.equal(
    await fileError('bool.json', '{"tls-only": "yes"}'),
    'config file FILE: "tls-only" must be true or false, not the string "yes"',
  );
  assert.equal(
    await fileError('number-for-string.json', '{"student-id": 42}'),
    'config file FILE: "student-id" must be a string, not 42',
  );
  assert.equal(
    await fileError('null.json', '{"host": null}'),
    'config file FILE: "host" must be a string, not null',
  );
  assert.match(
    await fileError('broken.json', '{"port": 80'),
    /^config file FILE: not valid JSON \(/,
  );
  assert.equal(
    await fileError('array.json', '[{"port": 80}]'),
    'config file FILE: must hold one JSON object ({"port": 8080, ...}), not an array',
  );
  assert.throws(
    () => readServeSettings(['--config', join(dir, 'missing.json')], {}),
    (err: unknown) =>
      err instanceof ConfigError && /missing\.json: cannot read it \(ENOENT\)$/.test(err.message),
  );
});

test('bad flags and variables name themselves and what they allow', () => {
  const error = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
    try {
      readServeSettings(argv, env);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
    return 'no error';
  };
  assert.equal(
    error(['--port', '70000']),
    "--port must be an integer from 0 to 65535, not '70000'",
  );
  assert.equal(
    error([], { ROOMCAST_IDLE_TIMEOUT_MS: '3000000000' }),
    "ROOMCAST_IDLE_TIMEOUT_MS must be an integer from 0 to 2147483647, not '3000000000'",
  );
  assert.equal(
    error([], { ROOMCAST_TLS_ONLY: 'yes' }),
    "ROOMCAST_TLS_ONLY must be true, false, 1 or 0, not 'yes'",
  );
  assert.equal(
    error(['--log-format', 'xml']),
    "--log-format must be one of auto, json, pretty, not 'xml'",
  );
  assert.equal(
    error(['--tls-port', '8443']),
    '--tls-port needs --tls-cert FILE and --tls-key FILE',
  );
  assert.equal(
    error(['--tls-cert', 'c.pem']),
    '--tls-cert and --tls-key are used only with --tls-port',
  );
  assert.equal(error(['--tls-only']), '--tls-only needs --tls-port (and --tls-cert, --tls-key)');
  assert.equal(
    error(['--port', '8443', '--tls-port', '8443', '--tls-cert', 'c', '--tls-key', 'k']),
    '--tls-port and --port are both 8443: give TLS a port of its own',
  );
});

test('the open-network defaults: loopback exempt, 64 per address, 10 s to a first answer', () => {
  assert.deepEqual(admissionFromSettings(readServeSettings([], {}).settings), {
    maxConnections: 20_000,
    maxConnectionsPerAddress: 64,
    idleTimeoutMs: 0,
    firstRequestTimeoutMs: 10_000,
    exemptLoopback: true,
  });
});

test('deploy/roomcast.json, the example in docs/operations.md, is a valid config file', () => {
  const { settings } = readServeSettings(['--config', 'deploy/roomcast.json'], {});
  assert.equal(settings.source('tls-port'), 'file');
  assert.equal(settings.text('kill-policy'), 'off');
});
