// The browser tests' session (console.test.ts): a data folder with one org made by `coupond org create`, a real
// server process on it, and chromium with one page at desktop width whose script errors and console errors
// (other than 4xx answers) are collected in `pageErrors`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { coupondArgs } from '../support/coupond-command.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { launchChromium } from './browser.js';

const run = promisify(execFile);

export interface ConsoleSession {
  server: ServerProcess;
  page: Page;
  key: string;
  secret: string;
  /** The org's Basic authorization header value. */
  basic: string;
  /** Stops the browser and the server, and removes the data folder. */
  close(): Promise<void>;
}

export async function openConsoleSession(
  orgName: string,
  timezone: string,
  pageErrors: string[],
): Promise<ConsoleSession> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-console-'));
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const env = { ...process.env, COUPOND_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    const created = await run(
      process.execPath,
      coupondArgs('org', 'create', '--name', orgName, '--timezone', timezone),
      { env },
    );
    const { key, secret } = JSON.parse(created.stdout.trim().split('\n').pop()!) as {
      key: string;
      secret: string;
    };
    const basic = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
    server = await spawnServer({ COUPOND_DATA_DIR: dataDir });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
    });
    return { server, page, key, secret, basic, close };
  } catch (e) {
    await close();
    throw e;
  }
}
