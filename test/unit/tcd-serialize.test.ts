import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, protocolError } from '../../src/protocol/errors.js';
import {
  chatFrame,
  errorReply,
  heloReply,
  joinNotice,
  joinedReply,
  leaveNotice,
  leftReply,
} from '../../src/protocol/tcd-serialize.js';

const endpoint = { ip: '10.0.0.5', port: 8080 };

test('T9 HELO reply: KEY:value without a space', () => {
  assert.equal(
    heloReply('text', endpoint, '17310876'),
    'HELO text\nIP:10.0.0.5\nPort:8080\nStudentID:17310876\n',
  );
});

test('T10 JOINED and LEFT: KEY: value, one newline at the end', () => {
  assert.equal(
    joinedReply('room1', endpoint, 3, 7),
    'JOINED_CHATROOM: room1\nSERVER_IP: 10.0.0.5\nPORT: 8080\nROOM_REF: 3\nJOIN_ID: 7\n',
  );
  assert.equal(leftReply(3, 7), 'LEFT_CHATROOM: 3\nJOIN_ID: 7\n');
});

test('T10 CHAT frames end with a blank line and carry UTF-8 intact', () => {
  const frame = chatFrame(2, 'zoë', 'two\nlines ✓');
  assert.ok(Buffer.isBuffer(frame));
  assert.equal(frame.toString('utf8'), 'CHAT: 2\nCLIENT_NAME: zoë\nMESSAGE: two\nlines ✓\n\n');
  assert.equal(joinNotice('a'), 'a has joined this chatroom.');
  assert.equal(leaveNotice('a'), 'a has left this chatroom.');
});

test('T12 error replies: code, description, detail; a detail cannot add lines', () => {
  assert.equal(
    errorReply(protocolError(ErrorCode.NoSuchRoom)),
    'ERROR_CODE: 2\nERROR_DESCRIPTION: No chat room with that ROOM_REF\n',
  );
  assert.equal(
    errorReply(protocolError(ErrorCode.InvalidFormat, "unknown request 'x\r\nERROR_CODE: 0'")),
    "ERROR_CODE: 1\nERROR_DESCRIPTION: Invalid message format: unknown request 'x ERROR_CODE: 0'\n",
  );
});
