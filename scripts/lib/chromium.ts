import { type Browser, chromium } from 'playwright-core';

/**
 * Headless Debian Chromium as the end-to-end tests and the screenshot script drive it: no
 * sandbox (CI runs as root), no GPU, and none of the background traffic of a desktop browser.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
