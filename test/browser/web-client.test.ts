/**
 * The web client in Debian's Chromium against a real `roomcast serve --http-port`: two pages
 * (alice on a desktop window, driven by the keyboard alone; bob on a phone-sized one) and
 * one TCP client (carol, asserting the exact bytes) in one room. Chats in every direction, a
 * multi-line message, unread counts, an error shown in place, an XSS payload shown as text,
 * a leave notice, and a server restart the pages reconnect through without duplicates.
 * Screenshots go to .tmp/screenshots (and to docs/images with UPDATE_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { frame } from '../helpers/frames.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { WireClient } from '../helpers/wire-client.js';

const SHOTS = '.tmp/screenshots';
const WAIT = { timeout: 10_000 };

let browser: Browser;
let server: ServerProcess;
let alice: Page;
let bob: Page;
let carol: WireClient;
let base: string;

const serve = (ports: string[] = []): Promise<ServerProcess> =>
  spawnServer(['--http-port', '0', '--student-id', 'test-id', ...ports], 120_000);

before(async () => {
  [browser, server] = await Promise.all([launchChromium(), serve()]);
  base = `http://127.0.0.1:${server.httpPort ?? 0}/`;
  const desktop = await browser.newContext({ viewport: { width: 1100, height: 680 } });
  const phone = await browser.newContext({ viewport: { width: 390, height: 780 }, isMobile: true });
  alice = await desktop.newPage();
  bob = await phone.newPage();
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  carol?.close();
  await browser?.close();
  await server?.stop();
});

/** The texts of a room's messages on a page, in order, as a person reads them. */
function messages(page: Page, room: string): Promise<string[]> {
  return page.locator(`ol[data-room="${room}"] > li .text`).allTextContents();
}

/** Waits for a message in a room's list: visible, or (a room not shown now) in the page. */
async function shows(
  page: Page,
  room: string,
  text: string,
  kind = 'chat',
  state: 'visible' | 'attached' = 'visible',
): Promise<void> {
  await page
    .locator(`ol[data-room="${room}"] > li.msg.${kind} .text`, { hasText: text })
    .last()
    .waitFor({ state, ...WAIT });
}

async function connected(page: Page, name: string): Promise<void> {
  await page.locator('#status', { hasText: `Connected as ${name}` }).waitFor(WAIT);
}

/** Presses Tab (or Shift+Tab) until `selector` has the focus: how a keyboard user gets there. */
async function tabTo(page: Page, selector: string, key: 'Tab' | 'Shift+Tab'): Promise<void> {
  for (let i = 0; i < 12; i++) {
    if ((await page.locator(`${selector}:focus`).count()) === 1) return;
    await page.keyboard.press(key);
  }
  assert.fail(`${key} never reached ${selector}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = `${SHOTS}/${name}.png`;
  await page.screenshot({ path });
  if (process.env['UPDATE_SCREENSHOTS'] === '1') await copyFile(path, `docs/images/${name}.png`);
}

test('alice (keyboard only) and bob join from the browser, carol over TCP', async () => {
  await alice.goto(base);
  await alice.keyboard.type('alice'); // the name field has the focus
  await alice.keyboard.press('Enter');
  await connected(alice, 'alice');
  await alice.keyboard.type('lobby'); // then the room field
  await alice.keyboard.press('Enter');
  await alice.locator('#room-ids', { hasText: 'ROOM_REF 1 · JOIN_ID 1' }).waitFor(WAIT);
  await shows(alice, 'lobby', 'alice has joined this chatroom.', 'joined');

  await bob.goto(base);
  await bob.locator('#name').fill('bob');
  await bob.locator('#connect-form button').click();
  await connected(bob, 'bob');
  await bob.locator('#room-name').fill('lobby');
  await bob.locator('#join-form button').click();
  await shows(alice, 'lobby', 'bob has joined this chatroom.', 'joined');

  carol = await WireClient.connect(server.port);
  carol.send('JOIN_CHATROOM: lobby\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: carol\n');
  await carol.expect(frame.joined('lobby', server.port, 1, 3) + frame.joinedNotice(1, 'carol'));
  await shows(alice, 'lobby', 'carol has joined this chatroom.', 'joined');
  await shows(bob, 'lobby', 'carol has joined this chatroom.', 'joined');
});

test('chats in every direction, a multi-line message, own messages marked', async () => {
  await alice.keyboard.type('hello from alice'); // the composer has the focus after a join
  await alice.keyboard.press('Enter');
  await carol.expect(frame.chat(1, 'alice', 'hello from alice'));
  await shows(bob, 'lobby', 'hello from alice');
  const own = alice.locator('ol[data-room="lobby"] > li.msg.chat.own .text');
  assert.equal(await own.last().textContent(), 'hello from alice');

  const box = bob.locator('#message');
  await box.click();
  await bob.keyboard.type('first line');
  await bob.keyboard.press('Shift+Enter');
  await bob.keyboard.type('second line');
  await bob.keyboard.press('Enter');
  await carol.expect(frame.chat(1, 'bob', 'first line\nsecond line'));
  await shows(alice, 'lobby', 'second line');
  assert.equal((await messages(alice, 'lobby')).at(-1), 'first line\nsecond line');

  carol.send('CHAT: 1\nJOIN_ID: 3\nCLIENT_NAME: carol\nMESSAGE: hi both, from a terminal\n\n');
  await carol.expect(frame.chat(1, 'carol', 'hi both, from a terminal'));
  await shows(alice, 'lobby', 'hi both, from a terminal');
  await shows(bob, 'lobby', 'hi both, from a terminal');
  // Same name, other connection (T8): only the page's own echoes are marked as its own.
  assert.equal(await alice.locator('li.msg.own').count(), 1);
});

test('an HTML payload is shown as text and runs nothing', async () => {
  const xss = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
  carol.send(`CHAT: 1\nJOIN_ID: 3\nCLIENT_NAME: carol\nMESSAGE: ${xss}\n\n`);
  await carol.expect(frame.chat(1, 'carol', xss));
  for (const page of [alice, bob]) {
    await shows(page, 'lobby', 'bold');
    assert.equal((await messages(page, 'lobby')).at(-1), xss);
    // Page-side expressions as strings: the tests are type-checked without the DOM library.
    const injected = await page.evaluate<{ elements: number; pwned: unknown }>(
      `({ elements: document.querySelectorAll('#logs img, #logs script, #logs b').length,
          pwned: window.__pwned })`,
    );
    assert.deepEqual(injected, { elements: 0, pwned: undefined });
  }
});

test('unread counts, switching rooms by keyboard, an error shown in place', async () => {
  await tabTo(alice, '#room-name', 'Shift+Tab'); // from the message box, back up the page
  await alice.keyboard.type('side');
  await alice.keyboard.press('Enter');
  await alice.locator('#room-title', { hasText: 'side' }).waitFor(WAIT);
  carol.send('CHAT: 1\nJOIN_ID: 3\nCLIENT_NAME: carol\nMESSAGE: while you were in side\n\n');
  await carol.expect(frame.chat(1, 'carol', 'while you were in side'));
  const badge = alice.locator('button[data-room="lobby"] .unread');
  await alice.locator('button[data-room="lobby"] .unread', { hasText: '1' }).waitFor(WAIT);
  assert.equal(await alice.title(), '(1) roomcast');

  await alice.keyboard.press('Alt+ArrowUp');
  await alice.locator('#room-title', { hasText: 'lobby' }).waitFor(WAIT);
  assert.equal(await badge.textContent(), '');
  assert.equal(await alice.title(), 'roomcast');
  const fits = await bob.evaluate<boolean>(
    'document.documentElement.scrollWidth <= window.innerWidth',
  );
  assert.ok(fits, 'nothing wider than a phone');
  await screenshot(alice, 'web-client');
  await screenshot(bob, 'web-client-phone');

  // 200 two-byte characters: 400 bytes, past the server's 256-byte name limit (error 10).
  await tabTo(alice, '#room-name', 'Shift+Tab');
  await alice.keyboard.insertText('é'.repeat(200));
  await alice.keyboard.press('Enter');
  await alice.locator('#join-error', { hasText: 'Error 10: Invalid name' }).waitFor(WAIT);
  await alice.keyboard.press('Control+A');
  await alice.keyboard.press('Backspace'); // editing the field clears the error
  assert.equal(await alice.locator('#join-error').textContent(), '');
});

test('a leave notice, to the pages and to the TCP client', async () => {
  await bob.locator('#leave').click();
  await carol.expect(frame.leftNotice(1, 'bob'));
  await shows(alice, 'lobby', 'bob has left this chatroom.', 'left');
  await bob.locator('button[data-room="lobby"]').waitFor({ state: 'detached', ...WAIT });
});

test('after a server restart the pages reconnect, rejoin with new JOIN_IDs, no duplicates', async () => {
  const ports = ['--port', String(server.port), '--http-port', String(server.httpPort)];
  const before = await messages(alice, 'lobby');
  assert.equal(await server.stop(), 0);
  await carol.expect(frame.error(14, 'Server shutting down: SIGTERM'));
  await carol.expectClosed();
  await shows(alice, 'lobby', 'Connection lost. Reconnecting…', 'system');
  await alice.locator('#status', { hasText: 'reconnecting' }).waitFor(WAIT);

  server = await serve(ports);
  await connected(alice, 'alice');
  await shows(alice, 'lobby', 'Rejoined after reconnecting', 'system');
  await shows(alice, 'side', 'Rejoined after reconnecting', 'system', 'attached');
  const note = (await messages(alice, 'lobby')).find((t) => t.startsWith('Rejoined'));
  // A new server: lobby and side, rejoined in that order, are rooms 1 and 2 again.
  assert.match(note ?? '', /^Rejoined after reconnecting: new JOIN_ID 1 \(was 1\), ROOM_REF 1\.$/);

  carol = await WireClient.connect(server.port);
  carol.send('JOIN_CHATROOM: lobby\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: carol\n');
  await carol.expect(frame.joined('lobby', server.port, 1, 2) + frame.joinedNotice(1, 'carol'));
  await shows(alice, 'lobby', 'carol has joined this chatroom.', 'joined');
  await tabTo(alice, '#message', 'Tab');
  await alice.keyboard.type('back again');
  await alice.keyboard.press('Enter');
  await carol.expect(frame.chat(1, 'alice', 'back again'));
  carol.send('CHAT: 1\nJOIN_ID: 2\nCLIENT_NAME: carol\nMESSAGE: after the restart\n\n');
  await carol.expect(frame.chat(1, 'carol', 'after the restart'));
  await shows(alice, 'lobby', 'after the restart');

  // Everything from before once, then: the lost note, the rejoin note and alice's own new
  // join notice (those two in either order), carol's join, alice's message, carol's. Nothing twice.
  const after = await messages(alice, 'lobby');
  assert.deepEqual(after.slice(0, before.length), before);
  const added = after.slice(before.length);
  assert.deepEqual(
    [...added].sort(),
    [
      'Connection lost. Reconnecting…',
      note ?? '',
      'alice has joined this chatroom.',
      'carol has joined this chatroom.',
      'back again',
      'after the restart',
    ].sort(),
  );
  await screenshot(alice, 'web-client-reconnected');
});

test('Disconnect sends DISCONNECT: the TCP client sees the leave notice', async () => {
  const lobby = await alice.locator('#room-ids').textContent();
  const ref = Number(/ROOM_REF (\d+)/.exec(lobby ?? '')?.[1]);
  await tabTo(alice, '#disconnect', 'Shift+Tab');
  await alice.keyboard.press('Enter');
  await carol.expect(frame.leftNotice(ref, 'alice'));
  await alice.locator('#welcome').waitFor(WAIT);
  assert.equal(await alice.locator('#name').inputValue(), 'alice');
});
