import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayInLondon } from '../../src/core/dates';
import { CHROMIUM, CHROMIUM_ARGS, ChatPage, startAssistant, type RunningAssistant } from './chatPage';

/**
 * "The whole 'I disagree with a council decision' flow can be completed in the browser page."
 *
 * The real assistant (started as `npm start` does) and its chat page for Derby in Debian's
 * Chromium. A parent starts the flow (by typing, or from the welcome's button), answers every
 * question by pressing the buttons they see, goes on to work out the appeal deadline, types the
 * date on the decision letter, confirms the date read back to them, and gets the deadline with
 * what to do next. Waits are for text on the page, never for a fixed time.
 */

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the council-decision browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);

const DERBY_SENDIASS_PHONE = '01332 641414';
const WHICH_DECISION = 'Which council decision do you disagree with?';
const LETTER_DATE_QUESTION = 'What date is printed on the decision letter?';
const READ_BACK = 'You said the letter was dated Wednesday 31 December 2025. Is that right?';
const CERTIFICATE_QUESTION = 'Do you have a mediation certificate?';
const DEADLINE = 'Your appeal deadline is Monday 2 March 2026. The Tribunal must receive your appeal by 5pm on that day.';
// Once the deadline has passed (it depends on today's date), the step says what to do instead.
const MEDIATION_STEP = todayInLondon(new Date()) > '2026-03-02'
  ? 'You would normally need a mediation certificate before appealing.'
  : 'Before you can appeal, you must contact the mediation adviser to get a mediation certificate.';

describe.skipIf(!hasChromium)('"I disagree with a council decision" in the chat page, by pressing buttons', () => {
  let browser: Browser;
  let assistant: RunningAssistant;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'council-decision-e2e-'));
    assistant = await startAssistant(dataDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await assistant?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function openDerbyChat(): Promise<ChatPage> {
    const page = await browser.newPage();
    await page.goto(`${assistant.base}/?tenant=derby`);
    const chat = new ChatPage(page);
    await chat.see("I'm an automated assistant for Derby City Council's SEND service. I'm not a person.");
    return chat;
  }

  /**
   * From "Which council decision…?" to the deadline and its next steps: every question answered
   * pressing the card buttons or typing their labels (`kind`); the letter's date is always typed.
   */
  async function chooseNotToAssessThenWorkOutDeadline(chat: ChatPage, kind: 'card' | 'typed'): Promise<void> {
    // A guided flow's questions are cards; typing the label works as well as pressing it.
    await chat.see(WHICH_DECISION);
    for (const label of ['Not to assess my child', 'Not to issue an EHC plan', 'What the plan says', 'Not to change the plan', 'To stop the plan', 'Something else']) {
      expect(await chat.buttons(label, 'card').count(), `a "${label}" button`).toBeGreaterThan(0);
      // Once on the card, not again as suggested actions filling a phone's screen.
      expect(await chat.buttons(label, 'suggested').count(), `"${label}" only once`).toBe(0);
    }
    if (kind === 'card') await chat.press('Not to assess my child', 'card');
    else await chat.type('Not to assess my child');

    // Whether it can be appealed, mediation advice first, then the offer to work out the deadline.
    await chat.see('You can appeal to the SEND Tribunal against a decision not to carry out an EHC needs assessment or reassessment.');
    await chat.see(/contact the mediation adviser named in your decision letter, or Global Mediation/);
    await chat.see('Shall I work out your appeal deadline now?');
    if (kind === 'card') await chat.press('Yes, work out my deadline', 'card');
    else await chat.type('Yes, work out my deadline');

    // The decision is already known: straight to the letter's date, which the parent types.
    await chat.see(LETTER_DATE_QUESTION);
    expect(await chat.transcript()).not.toMatch(/Which decision are you appealing against\?/);
    await chat.type('the letter was dated 31 December 2025');

    // The date is read back, and no deadline is given until it is confirmed.
    await chat.see(READ_BACK);
    expect(await chat.transcript()).not.toContain('Your appeal deadline is');
    await chat.press('Yes', 'suggested');

    await chat.see(CERTIFICATE_QUESTION);
    expect(await chat.transcript()).not.toContain('Your appeal deadline is');
    await chat.press("I don't have one yet", 'suggested');

    await chat.see(DEADLINE);
    await chat.see(MEDIATION_STEP);
    const transcript = await chat.transcript();
    const afterDeadline = transcript.slice(transcript.lastIndexOf('Your appeal deadline is'));
    expect(afterDeadline).toContain(todayInLondon(new Date()) > '2026-03-02'
      ? 'If you have not had mediation advice, say so when you ask the Tribunal.'
      : 'Do this within 2 months of the date on the decision letter.');
    expect(afterDeadline).toContain(
      todayInLondon(new Date()) > '2026-03-02'
        ? 'If you have missed it, you can still ask the Tribunal to accept your appeal.'
        : 'Do not leave it to the last few days.',
    );
    expect(afterDeadline, "Derby SENDIASS's number in the next steps").toContain(DERBY_SENDIASS_PHONE);
    expect(afterDeadline).toContain('Derby SEND Information, Advice and Support Service');
    // What the parent can do next is offered as buttons.
    await chat.buttons('How to appeal', 'suggested').first().waitFor();
    await chat.buttons('Talk to a person', 'suggested').first().waitFor();

    expect(transcript).not.toMatch(/Send failed/i);
    expect(transcript).not.toMatch(/something went wrong|didn't understand|did not understand/i);
    expect(transcript).not.toContain('{{');
  }

  it('typed "I disagree with the council\'s decision", answered on the cards', async () => {
    const chat = await openDerbyChat();
    try {
      await chat.type("I disagree with the council's decision");
      await chooseNotToAssessThenWorkOutDeadline(chat, 'card');
    } finally {
      await chat.page.close();
    }
  }, 90_000);

  it('from the welcome\'s "Help me work out what to do", answered by typing the choices', async () => {
    const chat = await openDerbyChat();
    try {
      await chat.press('Help me work out what to do', 'suggested');
      await chat.see('What is the disagreement about?');
      await chat.type('A council decision');
      await chooseNotToAssessThenWorkOutDeadline(chat, 'typed');
    } finally {
      await chat.page.close();
    }
  }, 90_000);
});
