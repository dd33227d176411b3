import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import { todayInLondon } from '../../src/core/dates';
import {
  FakeTwilioApi, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_PUBLIC_BASE_URL, inboundParams, sendWebhook,
} from '../helpers/fakeSmsProvider';
import { REPO_ROOT, TOKEN_SECRET } from './helpers';

configureLog('silent');

/**
 * "The whole 'I disagree with a council decision' flow can be completed over the SMS endpoint."
 *
 * The whole assistant as `npm start` builds it, with SMS on, and Derby given its own SMS number in
 * a copy of the knowledge folder (the default council stays "generic", so Derby's contacts in the
 * replies show the number was routed to Derby). A parent texts the Derby number, then answers
 * every question with the number shown next to the answer they want, and types the letter's date.
 */

const DERBY_NUMBER = '+441332555001';
const PARENT = '+447700900555';
const DERBY_SENDIASS = '01332 641414';
/** Three concatenated GSM-7 segments. */
const MAX_SMS_CHARS = 3 * 153;
/** Characters of the GSM 03.38 basic set a reply may use (no curly quotes, dashes or emoji). */
const GSM_PLAIN = /^[A-Za-z0-9 \n@£$!"#%&'()*+,\-./:;<=>?_]*$/;
/** Words SMS providers and carriers act on themselves: a reply must never ask for them. */
const PROVIDER_KEYWORD_REQUEST = /\b(reply|text|send|type|say)\s+["']?(yes|stop|stopall|start|unstop|help|info|cancel|end|quit|unsubscribe)\b/i;

describe('"I disagree with a council decision" over SMS, answered with numbers', () => {
  let api: FakeTwilioApi;
  let assistant: Assistant;
  let server: Server;
  let url: string;
  let dataDir: string;
  let knowledgeDir: string;

  beforeAll(async () => {
    api = await FakeTwilioApi.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'council-decision-sms-'));
    knowledgeDir = mkdtempSync(path.join(tmpdir(), 'council-decision-knowledge-'));
    cpSync(path.join(REPO_ROOT, 'knowledge'), knowledgeDir, { recursive: true });
    appendFileSync(path.join(knowledgeDir, 'tenants', 'derby.yaml'), `\nsmsNumbers:\n  - "${DERBY_NUMBER}"\n`);
    const config = loadConfig({
      DATA_DIR: dataDir,
      KNOWLEDGE_DIR: knowledgeDir,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      LOG_LEVEL: 'silent',
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_API_BASE_URL: api.baseUrl,
      PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
      SMS_ID_SECRET: 'sms-id-secret-for-tests-0123456789abcdef',
    });
    assistant = await createAssistant(config, { retention: false });
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.close();
    await assistant?.close();
    await api?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (knowledgeDir) rmSync(knowledgeDir, { recursive: true, force: true });
  });

  /** Texts the Derby number as the parent; returns the reply after checking it is a proper SMS. */
  async function text(body: string): Promise<string> {
    const response = await sendWebhook(url, inboundParams({ from: PARENT, to: DERBY_NUMBER, body }));
    expect(response.status, `the answer to "${body}"`).toBe(200);
    expect(response.message, `a reply to "${body}"`).toBeTruthy();
    const reply = response.message!;
    // Soft: a problem with one text is reported, and the conversation still goes on to the end.
    for (const sms of response.messages) {
      const quoted = `an SMS answering "${body}":\n${sms}\n`;
      expect.soft(sms.length, `${quoted}fits in three SMS segments`).toBeLessThanOrEqual(MAX_SMS_CHARS);
      expect.soft(sms, `${quoted}is plain GSM text`).toMatch(GSM_PLAIN);
      expect.soft(sms, `${quoted}has no markdown, sources heading or placeholders`).not.toMatch(/\*\*|Where this comes from|\{\{|\}\}/);
      expect.soft(sms, `${quoted}is not cut short`).not.toMatch(/(\.\.\.|…)$/);
      expect.soft(sms, `${quoted}never asks for a word the SMS provider acts on`).not.toMatch(PROVIDER_KEYWORD_REQUEST);
      expect.soft(sms, `${quoted}is an answer, not an apology or "I didn't understand"`)
        .not.toMatch(/something went wrong|didn't understand|did not understand|still not sure/i);
    }
    // Only one SMS in a reply offers numbered choices, so a number has one meaning.
    const numbered = response.messages.filter((sms) => /^1 /m.test(sms));
    expect.soft(numbered.length, `one list of choices in the reply to "${body}":\n${reply}`).toBeLessThanOrEqual(1);
    return reply;
  }

  /** The number the reply shows for `choice` ("2 Not now"), as a parent would read it. */
  function numberFor(reply: string, choice: string): string {
    const escaped = choice.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const numbers = [...reply.matchAll(new RegExp(`^(\\d+) ${escaped}$`, 'gm'))].map((m) => m[1]!);
    expect(numbers, `one number for "${choice}" in:\n${reply}`).toHaveLength(1);
    return numbers[0]!;
  }

  /** A question with numbered choices: all of them, then "Reply 1, 2 or 3". */
  function expectWholeQuestion(reply: string, question: string, choices: string[]): void {
    expect(reply).toContain(question);
    const afterQuestion = reply.slice(reply.lastIndexOf(question));
    const lines = choices.map((choice, i) => `${i + 1} ${choice}`);
    const numbers = choices.map((_, i) => String(i + 1));
    const ask = `Reply ${numbers.slice(0, -1).join(', ')} or ${numbers[numbers.length - 1]}`;
    expect.soft(afterQuestion, `every choice and how to answer, in:\n${reply}`).toContain(`${question}\n${lines.join('\n')}\n${ask}`);
  }

  it('goes from "I disagree with the council\'s decision" to the appeal deadline', async () => {
    const first = await text("I disagree with the council's decision");
    // Texting Derby's number reaches Derby's assistant (the default council is the generic one).
    expect(first).toMatch(/Derby City Council's automated SEND assistant, not a person/);
    expectWholeQuestion(first, 'Which decision do you disagree with?', [
      'Not to assess', 'Not to issue a plan', 'What the plan says', 'Not to change the plan', 'Stopping the plan', 'Something else',
    ]);

    const appeal = await text(numberFor(first, 'Not to assess'));
    expect(appeal).toMatch(/You can appeal to the SEND Tribunal\. First contact the mediation adviser in your decision letter\./);
    expect(appeal).toMatch(/you need their certificate to appeal/);
    expectWholeQuestion(appeal, 'Work out your appeal deadline now?', ['Work out my deadline', 'Not now']);

    const askDate = await text(numberFor(appeal, 'Work out my deadline'));
    // The decision is already known: no question about which decision.
    expect(askDate).toMatch(/^What date is printed on the decision letter\?/);
    expect(askDate).not.toMatch(/Which decision/);

    const readBack = await text('the letter was dated 31 December 2025');
    expect(readBack).toMatch(/You said the letter was dated Wednesday 31 December 2025\./);
    // Nothing is worked out from a date until the parent says it is right.
    expect(readBack).not.toMatch(/deadline is|2 March 2026/);
    const yes = /Reply (\d+) if that's right/.exec(readBack)?.[1];
    expect(yes, 'how to say the date is right').toBeDefined();

    const certificate = await text(yes!);
    expect(certificate).toMatch(/Do you have a mediation certificate\?/);
    expect(certificate).not.toMatch(/deadline is/);
    const none = /If you don't have one yet, reply (\d+)/i.exec(certificate)?.[1];
    expect(none, 'how to say there is no certificate yet').toBeDefined();

    const deadline = await text(none!);
    expect(deadline).toMatch(/Your appeal deadline is Monday 2 March 2026\. The Tribunal must receive your appeal by 5pm on that day\./);
    expect(deadline).toMatch(/Two months from the decision letter \(31 December 2025\)/);
    const passed = todayInLondon(new Date()) > '2026-03-02';
    expect.soft(deadline, 'the mediation-adviser step').toMatch(passed
      ? /No mediation certificate\? Say so when you ask the Tribunal\./
      : /First contact the mediation adviser for a certificate, within 2 months of the letter date\./);
    expect.soft(deadline, 'what to do now the date has passed, or not to wait').toContain(
      todayInLondon(new Date()) > '2026-03-02' ? 'Missed it? You can still ask the Tribunal to accept it late.' : "Don't wait until the last days.",
    );
    expect.soft(deadline, "Derby SENDIASS's number").toContain(DERBY_SENDIASS);
  });
});
