import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

/**
 * For browser tests that talk to the real assistant: start it as `npm start` does, and work the
 * chat page the way a person does (type in the send box, press the button they can see, read the
 * transcript). Every wait is for something visible, never a fixed sleep.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** How long a reply may take to appear. */
export const REPLY_TIMEOUT = 20_000;

export interface RunningAssistant {
  /** e.g. http://127.0.0.1:40001 */
  base: string;
  stop(): Promise<void>;
}

/** Starts the assistant exactly as `npm start` does (`tsx src/server.ts`), on a free port with its own data folder. */
export async function startAssistant(dataDir: string): Promise<RunningAssistant> {
  const child = spawn(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/server.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'development', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  };
  let output = '';
  try {
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the assistant did not start: ${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const port = output.match(/localhost:(\d+)/)?.[1];
        if (port) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${port}`);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the assistant exited (${code}): ${output}`));
      });
    });
    return { base, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${escape(text)}\\s*$`);
}

/**
 * Text as the page may show it: Web Chat's markdown turns ' into a typographic ’ in the bot's
 * messages (not in button labels), so a straight quote here matches either.
 */
export function asShown(text: string): RegExp {
  return new RegExp(escape(text).replace(/'/g, "['\\u2019]"));
}

/** Where a button is: on an Adaptive Card in the transcript, or a suggested action above the send box. */
export type ButtonKind = 'card' | 'suggested';
const BUTTON_SELECTOR: Record<ButtonKind, string> = {
  card: '.ac-adaptiveCard .ac-pushButton',
  suggested: '.webchat__suggested-action',
};

/** The chat page as a person sees it. */
export class ChatPage {
  constructor(readonly page: Page) {}

  get sendBox(): Locator {
    return this.page.locator('input[data-id="webchat-sendbox-input"]');
  }

  /** The conversation so far, as the text on screen, with typographic quotes made straight. */
  async transcript(): Promise<string> {
    return (await this.page.locator('#webchat').innerText()).replace(/[\u2018\u2019]/g, "'");
  }

  /** Waits until `text` is shown in the chat (a straight quote in `text` also matches ’). */
  async see(text: string | RegExp): Promise<void> {
    const pattern = typeof text === 'string' ? asShown(text) : text;
    await this.page.locator('#webchat').getByText(pattern).filter({ visible: true }).first().waitFor({ timeout: REPLY_TIMEOUT });
  }

  /** Types a message and sends it with Enter. */
  async type(message: string): Promise<void> {
    await this.sendBox.fill(message);
    await this.sendBox.press('Enter');
  }

  /** The visible buttons of this kind whose text is exactly `label`, oldest first. */
  buttons(label: string, kind: ButtonKind): Locator {
    return this.page.locator('#webchat').locator(BUTTON_SELECTOR[kind]).filter({ hasText: exactly(label), visible: true });
  }

  /**
   * Presses the newest button of this kind showing `label`. Call it after seeing the question the
   * button answers, so an older card's button with the same words is never the one pressed.
   */
  async press(label: string, kind: ButtonKind): Promise<void> {
    const button = this.buttons(label, kind).last();
    await button.waitFor({ timeout: REPLY_TIMEOUT });
    await button.click({ timeout: REPLY_TIMEOUT });
  }
}
