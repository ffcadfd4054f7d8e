/**
 * Debian's Chromium (/usr/bin/chromium, installed by test.sh; never a downloaded browser)
 * driven by playwright-core, one instance per test file. Playwright starts it with a fresh,
 * empty profile (--user-data-dir in a new temporary folder) and removes it on close; the
 * flags keep it off the network, which this machine does not reach anyway.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
