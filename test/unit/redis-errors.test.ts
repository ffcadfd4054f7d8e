/** Which error replies of a script are its own bugs (not retried) and which Redis's refusals (retried). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorReply } from '@redis/client';
import { isScriptError } from '../../src/cluster/until-answered.js';

test('a refusal by Redis, of the script or of a call inside it (Redis 7 wording), is retried', () => {
  for (const message of [
    "NOPERM User nodeb has no permissions to run the 'evalsha' command",
    "ERR The user executing the script can't run this command or subcommand script: 6ac6, on @user_script:21.",
    "OOM command not allowed when used memory > 'maxmemory'. script: c809, on @user_script:1.",
    "READONLY You can't write against a read only replica. script: c809, on @user_script:1.",
    'NOREPLICAS Not enough good replicas to write. script: c809, on @user_script:1.',
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script.',
    'NOSCRIPT No matching script. Please use EVAL.',
  ]) {
    assert.equal(isScriptError(new ErrorReply(message)), false, message);
  }
});

test('an error of the script itself is not retried (it would fail again)', () => {
  for (const message of [
    "ERR user_script:3: Script attempted to access nonexistent global variable 'x' script: c809, on @user_script:3.",
    'ERR Error running script (call to f_c809): @user_script:3: bad argument',
    'WRONGTYPE Operation against a key holding the wrong kind of value script: c809, on @user_script:5.',
    "ERR wrong number of arguments for 'hset' command script: c809, on @user_script:7.",
    // Redis 7.0's wordings (this machine's) for a wrong call
    'ERR Wrong number of args calling Redis command from script script: 97ee, on @user_script:1.',
    'ERR Unknown Redis command called from script script: 1ee3, on @user_script:1.',
    'ERR This Redis command is not allowed from script script: 5c1a, on @user_script:1.',
  ]) {
    assert.equal(isScriptError(new ErrorReply(message)), true, message);
  }
});
