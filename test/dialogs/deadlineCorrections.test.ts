import { afterEach, describe, expect, it } from 'vitest';
import { ActivityTypes, type Activity } from 'botbuilder';
import { addDays, computeDeadline, type IsoDate } from '../../src/core/dates';
import { APPEAL_DECISIONS, explainDeadline } from '../../src/core/dates/explain';
import { smsText } from '../../src/bot/renderReply';
import { fitToSegments, segmentCount } from '../../src/channels/sms/segments';
import { fitDeadlineSms } from '../../dialogs/deadlineDialog';
import { buttonsOf, core, testAdapter, textOf } from '../helpers/testBot';

/**
 * What an exploratory tester found in the deadline conversation, through the real bot (TestAdapter):
 * a self-correction thrown away, a mediation meeting taken for a certificate, the wrong date of a
 * pasted letter, questions read as choices or as a yes, and an SMS cut in the middle of a date.
 * "Today" is the activity's timestamp.
 */

interface Chat {
  /** Sends one message; returns the bot's activities in that turn. */
  send(text: string): Promise<Partial<Activity>[]>;
  /** Every bot message so far, in order. */
  said: string[];
}

let chats: Chat[] = [];
afterEach(() => {
  chats = [];
});

function chat(channel: 'webchat' | 'sms', today: IsoDate): Chat {
  const adapter = testAdapter(channel, 'derby');
  const timestamp = new Date(`${today}T12:00:00Z`);
  const said: string[] = [];
  const c: Chat = {
    said,
    async send(text) {
      adapter.activeQueue.splice(0);
      await adapter.receiveActivity({ type: ActivityTypes.Message, text, timestamp });
      const out = adapter.activeQueue.splice(0) as Partial<Activity>[];
      said.push(...out.map(textOf));
      return out;
    },
  };
  chats.push(c);
  return c;
}

const all = (out: Partial<Activity>[]) => out.map(textOf).join('\n');
const buttons = (out: Partial<Activity>[]) => out.flatMap(buttonsOf);
const DEADLINE_STATED = /deadline is|must tell you by|must send you|last day to comment on the draft plan is/i;
const CHANNELS = ['webchat', 'sms'] as const;

// ---------------------------------------------------------------------------------------------

describe.each(CHANNELS)('1. a self-correction is used, and the date taken back is never used or offered (%s)', (channel) => {
  const TODAY = '2026-12-01';
  const CORRECTIONS = [
    'sorry i meant the 12th not the 21st',
    'not the 21st, the 12th',
    'it was the 12th, not the 21st',
    "the 21st was a typo, it's the 12th",
    'I typed the 21st but meant the 12th',
    'sorry, the 12th instead of the 21st',
  ];

  it.each(CORRECTIONS)('at "which decision": %j', async (correction) => {
    const c = chat(channel, TODAY);
    expect(all(await c.send('how long to appeal, refusal letter dated the 21st'))).toMatch(/Which decision/);
    const noted = all(await c.send(correction));
    expect(noted).toMatch(/changed that date/);
    expect(noted).not.toMatch(/21 November/);
    const readBack = all(await c.send('1'));
    expect(readBack).toMatch(/dated Thursday 12 November 2026/);
    expect(readBack).not.toMatch(/21 November/);
    await c.send('1');
    const deadline = all(await c.send(channel === 'sms' ? '1' : "I don't have one yet"));
    expect(deadline).toMatch(/Your appeal deadline is Tuesday 12 January 2027/);
    expect(c.said.join('\n').split(correction).length).toBe(1); // sanity: nothing echoed
  });

  it.each(CORRECTIONS)('at the read-back: %j', async (correction) => {
    const c = chat(channel, TODAY);
    await c.send('how long to appeal, refusal letter dated the 21st');
    expect(all(await c.send('Not to assess'))).toMatch(/dated Saturday 21 November 2026/);
    const out = await c.send(correction);
    expect(all(out)).toMatch(/dated Thursday 12 November 2026\. (Is that right\?|Reply 1)/);
    expect(all(out)).not.toMatch(/21 November/);
    expect(buttons(out).join(' ')).not.toMatch(/21 November/);
    await c.send('yes');
    expect(all(await c.send('no certificate yet'))).toMatch(/Your appeal deadline is Tuesday 12 January 2027/);
  });

  it.each(['no, not the 21st', 'not the 21st', 'the 21st is wrong'])('%j at the read-back asks for the date again, offering nothing', async (reply) => {
    const c = chat(channel, TODAY);
    await c.send('how long to appeal, refusal letter dated the 21st');
    await c.send('Not to assess');
    const out = await c.send(reply);
    expect(all(out)).toMatch(/What date is printed on the decision letter\?/);
    expect(all(out)).not.toMatch(/21 November|deadline is/);
    expect(buttons(out)).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(CHANNELS)('2. a mediation meeting is not a certificate; a certificate before the letter is queried (%s)', (channel) => {
  const TODAY = '2026-12-01';

  async function atCertificateQuestion(): Promise<Chat> {
    const c = chat(channel, TODAY);
    await c.send('how long to appeal, the council refused to assess, letter dated 20 November 2026');
    await c.send('yes');
    expect(c.said[c.said.length - 1]).toMatch(/Do you have a mediation certificate\?/);
    return c;
  }

  it.each([
    'mediation meeting is on 10 December',
    'the mediation is booked for 14 january',
    "we've got mediation arranged for the 15th of December",
    'mediation is on 10/12',
    'the mediator is seeing us on 9 dec',
  ])('%j: says what a meeting is, and works it out with no certificate', async (reply) => {
    const c = await atCertificateQuestion();
    const said = all(await c.send(reply));
    expect(said).toMatch(channel === 'sms' ? /mediation meeting is not a certificate/ : /A mediation meeting is not a mediation certificate/);
    // When the mediator issues the certificate is said once, not again in the next steps.
    expect(said.match(/within 3 working days/g)).toHaveLength(1);
    expect(said).not.toMatch(/certificate was issued on|You have your mediation certificate|2025/);
    expect(said).toMatch(/Your appeal deadline is Wednesday 20 January 2027/);
    expect(said).toMatch(/When you get the certificate, your deadline may move later/);
  });

  it.each(['we had mediation on 25 November', 'the mediation meeting was on the 24th', 'mediation took place on 23/11/2026'])(
    '%j: a meeting that has happened is not the certificate date; the certificate question is asked again',
    async (reply) => {
      const c = await atCertificateQuestion();
      const said = all(await c.send(reply));
      expect(said).toMatch(/That sounds like the (date of the )?mediation meeting/);
      expect(said).toMatch(/Do you have a mediation certificate\?/);
      expect(said).not.toMatch(/certificate was issued on|deadline is/);
      expect(all(await c.send('it was issued on 26 November 2026'))).toMatch(/certificate was issued on Thursday 26 November 2026/);
    },
  );

  it.each([
    ['10 November 2026', 'Tuesday 10 November 2026'],
    ['it was issued on the 2nd', 'Monday 2 November 2026'],
    ['certificate issued 1/10/2026', 'Thursday 1 October 2026'],
  ])('a certificate dated before the letter (%j) is queried, never used', async (reply, day) => {
    const c = await atCertificateQuestion();
    const said = all(await c.send(reply));
    expect(said).toMatch(/cannot be dated/);
    expect(said).toMatch(channel === 'sms' ? /before the letter/ : new RegExp(`issued on ${day}`));
    expect(said).not.toMatch(DEADLINE_STATED);
    expect(said).not.toMatch(/Is that right\?|Reply 1 if that's right/);
    // A certificate date that can be right is read back as usual, then used.
    expect(all(await c.send('25 November 2026'))).toMatch(/certificate was issued on Wednesday 25 November 2026/);
    expect(all(await c.send('yes'))).toMatch(/Your appeal deadline is Wednesday 20 January 2027/);
  });

  it('the same impossible date again and again ends with a person, never a deadline', async () => {
    const c = await atCertificateQuestion();
    for (let i = 0; i < 2; i++) expect(all(await c.send('10 November 2026'))).toMatch(/cannot be dated/);
    const said = all(await c.send('10 November 2026'));
    expect(said).toMatch(/A person can help/);
    expect(c.said.join('\n')).not.toMatch(DEADLINE_STATED);
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(CHANNELS)('3. a pasted letter: its own date, or a question when it is not clear (%s)', (channel) => {
  const TODAY = '2026-12-01';
  const BODY =
    'Thank you for your request for an EHC needs assessment, which we received on 23 September 2026. ' +
    'The SEN Panel met on 11 November 2026 and decided not to carry out an EHC needs assessment.';

  it.each([
    ['"Date:" in the text', `Dear Parent/Carer, Date: 18 November 2026. ${BODY} what is my deadline`],
    ['"Date:" on its own line', `Dear Parent/Carer,\nDate: 18 November 2026\n\n${BODY}\n\nwhat is my deadline`],
    ['the date alone at the top', `18 November 2026\n\nDear Parent/Carer,\n${BODY}\nYours sincerely\n\nwhat is my deadline`],
    ['"Date of letter -" and an appeal question', `Date of letter - 18/11/2026\nDear Mrs Smith,\n${BODY}\nhow long do i have to appeal`],
  ])('%s: reads back the letter\'s date, not the panel\'s', async (_name, letter) => {
    const c = chat(channel, TODAY);
    const first = all(await c.send(letter));
    const readBack = /Which deadline/.test(first) ? all(await c.send('1')) : first;
    expect(readBack).toMatch(/dated Wednesday 18 November 2026/);
    expect(readBack).not.toMatch(/11 November/);
  });

  it('no date labelled as the letter\'s: asks which, offering them', async () => {
    const c = chat(channel, TODAY);
    const out = await c.send(
      'Dear Parent/Carer, we received your request on 23 September 2026. On 11 November 2026 we decided not to carry out an EHC needs assessment. 18 November 2026. how long to appeal?',
    );
    const asked = /Which decision/.test(all(out)) ? await c.send('Not to assess') : out;
    expect(all(asked)).toMatch(/more than one date for the date printed on the decision letter/);
    const offered = channel === 'sms' ? all(asked) : buttons(asked).join(' | ');
    expect(offered).toMatch(/Wednesday 11 November 2026/);
    expect(offered).toMatch(/Wednesday 18 November 2026/);
    expect(all(asked)).not.toMatch(DEADLINE_STATED);
  });

  it('a panel meeting with no other date is not the letter date: the date is asked for', async () => {
    const c = chat(channel, TODAY);
    await c.send(`Dear Parent/Carer, ${BODY} how long do i have to appeal?`);
    expect(c.said.join('\n')).toMatch(/What date is printed on the decision letter\?/);
    expect(c.said.join('\n')).not.toMatch(/11 November/);
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(CHANNELS)('4. at "Which deadline shall I work out?" (%s)', (channel) => {
  const TODAY = '2026-12-01';

  async function atWhichDeadline(): Promise<Chat> {
    const c = chat(channel, TODAY);
    expect(all(await c.send('work out my deadline'))).toMatch(/Which deadline shall I work out\?/);
    return c;
  }

  it.each([
    'the council said they wont issue a plan',
    'they refused to assess him',
    "the LA won't issue an EHCP",
    'the council has decided not to assess',
  ])('%j is the appeal deadline, with that decision', async (reply) => {
    const c = await atWhichDeadline();
    const said = all(await c.send(reply));
    expect(said).not.toMatch(/Sorry/);
    expect(said).toMatch(/What date is printed on the decision letter\?/);
  });

  it.each([
    'whats the difference between not to assess and not to issue?',
    'what does the final plan one mean?',
    'how do I know which one?',
    'is the draft one about commenting?',
  ])('a question (%j) is not taken as a choice', async (question) => {
    const c = await atWhichDeadline();
    const said = all(await c.send(question));
    expect(said).not.toMatch(/What day did the council receive your request|What day was the draft|What date is printed|Which decision|deadline is/);
  });

  it.each(['actually can i just complain instead?', 'forget the deadline, how do I complain?', 'actually how do i complain?'])(
    'a new question (%j) leaves the deadline conversation',
    async (question) => {
      const c = await atWhichDeadline();
      const said = all(await c.send(question));
      expect(said).not.toMatch(/get your dates wrong|Which deadline shall I work out/);
      // The deadline conversation is over: a number now is not a deadline choice.
      expect(all(await c.send('how long do i have to appeal?'))).not.toMatch(/Which deadline shall I work out|Which decision/);
    },
  );
});

// ---------------------------------------------------------------------------------------------

describe.each(CHANNELS)('5. a question back at a read-back is not a yes (%s)', (channel) => {
  it.each(['is that date right?', 'is that right?', 'is that correct?', 'how do i know?', 'is it?'])('%j', async (question) => {
    const c = chat(channel, '2026-12-05');
    expect(all(await c.send('the draft plan came on 30 november 2026 how long to comment'))).toMatch(/Monday 30 November 2026/);
    const said = all(await c.send(question));
    expect(said).not.toMatch(DEADLINE_STATED);
    expect(said).toMatch(/check/i);
    expect(said).toMatch(/Monday 30 November 2026/);
    expect(all(await c.send('yes'))).toMatch(/last day to comment on the draft plan is Monday 14 December 2026/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('6. SMS: a deadline is never cut in the middle of a date or a sentence', () => {
  it('through the bot: a what-if whose full explanation is too long for 3 segments', async () => {
    const c = chat('sms', '2027-06-01');
    await c.send('how long to appeal, the council refused to assess, letter dated 1 May 2027, no certificate');
    expect(all(await c.send('1'))).toMatch(/Thursday 1 July 2027/);
    await c.send('what if the certificate comes on 25 July?');
    const out = await c.send('1');
    const headline = out.map(textOf).find((t) => DEADLINE_STATED.test(t))!;
    expect(headline).toMatch(/your appeal deadline is Wednesday 1 September 2027\. The Tribunal must receive your appeal by 5pm on that day\./);
    for (const text of out.map(textOf)) {
      expect(segmentCount(text), text).toBeLessThanOrEqual(3);
      expect(fitToSegments(text).truncated, text).toBe(false);
      expect(text).not.toMatch(/\.\.\.$/);
    }
  });

  it.each([...core().knowledge.tenants.keys()])('every appeal date for two years, with and without a certificate, fits whole (%s)', (tenantId) => {
    const tenant = core().replies.tenant(tenantId);
    for (let i = 0; i < 730; i += 2) {
      const letter = addDays('2025-06-01', i);
      for (const certificate of [null, addDays(letter, 40), addDays(letter, 58)]) {
        const result = computeDeadline('appeal', { decision_letter_date: letter, certificate_date: certificate });
        const whatIfs = [undefined, ...(certificate ? [{ fact: 'certificate_date' as const, date: certificate }] : [])];
        for (const whatIf of whatIfs) {
          for (const decision of [APPEAL_DECISIONS[0], 'not-sure' as const]) {
            const [first, second] = explainDeadline(result, { today: addDays(letter, 3), tenant, decision, whatIf });
            const headline = smsText(fitDeadlineSms(first!));
            expect(segmentCount(headline), headline).toBeLessThanOrEqual(3);
            // The deadline, the 5pm limit and a rule, each whole.
            expect(headline).toContain(`deadline is ${formatted(result.due)}.`);
            expect(headline).toMatch(/by 5pm on that day\./);
            expect(headline).toMatch(/\nWhy: .+\.$/);
            const steps = smsText(fitDeadlineSms(second!));
            expect(segmentCount(steps), steps).toBeLessThanOrEqual(3);
          }
        }
      }
    }
  });
});

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
function formatted(iso: IsoDate): string {
  const d = new Date(`${iso}T00:00:00Z`);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

// ---------------------------------------------------------------------------------------------
// Round 4 (/tmp/qa4/report.md).

describe.each(CHANNELS)('7. a what-if at the certificate question, and "1" after a re-ask (%s)', (channel) => {
  const TODAY = '2026-12-07';

  async function atCertificateQuestion(): Promise<Chat> {
    const c = chat(channel, TODAY);
    await c.send('how long to appeal, they refused to assess, letter dated 20 November 2026');
    expect(all(await c.send('yes'))).toMatch(/Do you have a mediation certificate\?/);
    return c;
  }

  it.each([
    'what if the certificate comes on 20 Jan?',
    'what if i get the certificate on 20 jan?',
    'if it comes on the 20th of January?',
  ])('%j: the deadline without a certificate first, then 20 January 2027 (read back) as a what-if', async (reply) => {
    const c = await atCertificateQuestion();
    const said = all(await c.send(reply));
    expect(said).not.toMatch(/cannot be dated|2026, before the letter|Sorry/);
    expect(said).toMatch(/Your appeal deadline is Wednesday 20 January 2027/);
    expect(said).not.toMatch(/certificate was issued on/);
    expect(said).toMatch(/You asked about a mediation certificate issued on Wednesday 20 January 2027/);
    expect(said).not.toMatch(/Monday 22 February 2027/); // not before the parent agrees to the date
    const after = all(await c.send(channel === 'sms' ? '1' : 'yes'));
    expect(after).toMatch(/With a mediation certificate issued on Wednesday 20 January 2027, your appeal deadline is Monday 22 February 2027/);
  });

  it('"No, change it" at the what-if read-back asks for the date, never uses 20 January 2026', async () => {
    const c = await atCertificateQuestion();
    await c.send('what if the certificate comes on 20 Jan?');
    const said = all(await c.send(channel === 'sms' ? '2' : 'No, change it'));
    expect(said).toMatch(/What date was the mediation certificate issued\?/);
    expect(c.said.join('\n')).not.toMatch(/20 January 2026/);
  });

  it.each([
    ['certificate issued 1/10/2026', channel === 'sms' ? '1' : "I don't have one yet"],
    ['certificate issued 1/10/2026', "i don't have one yet"],
  ])('after a certificate before the letter (%j), %j means no certificate', async (reply, none) => {
    const c = await atCertificateQuestion();
    const queried = await c.send(reply);
    expect(all(queried)).toMatch(/cannot be dated/);
    if (channel === 'sms') expect(all(queried)).toMatch(/reply 1/);
    else expect(buttons(queried)).toContain("I don't have one yet");
    const said = all(await c.send(none));
    expect(said).not.toMatch(/Sorry|could not find a date/);
    expect(said).toMatch(/Your appeal deadline is Wednesday 20 January 2027/);
  });

  it('"1" still means no certificate after an unreadable reply to the certificate question', async () => {
    const c = await atCertificateQuestion();
    await c.send('yes');
    expect(all(await c.send('hmm'))).toMatch(/What date was the mediation certificate issued\?/);
    expect(all(await c.send(channel === 'sms' ? '1' : "I don't have one yet"))).toMatch(/Your appeal deadline is Wednesday 20 January 2027/);
  });
});

describe.each(CHANNELS)('8. a decision named earlier is used, not asked for again (%s)', (channel) => {
  const TODAY = '2026-12-07';

  it.each([
    [['how long to appeal, refusal letter dated the 21st — they refused to assess him'], 'Saturday 21 November 2026'],
    [['my 15 yr old has autism and is struggling at school, also the council refused her assessment', 'how long do i have to appeal, letter dated 1 december'], 'Tuesday 1 December 2026'],
  ])('%j', async (messages, day) => {
    const c = chat(channel, TODAY);
    let said = '';
    for (const m of messages) said = all(await c.send(m));
    expect(said).not.toMatch(/Which decision are you appealing against/);
    expect(said).toMatch(new RegExp(`letter was dated ${day}`));
    expect(all(await c.send('yes'))).toMatch(/Do you have a mediation certificate\?/);
  });

  it('named earlier, then "how long do i have to appeal" and "Work out my deadline": no "which deadline", no "which decision"', async () => {
    const c = chat(channel, TODAY);
    await c.send('my 15 yr old has autism and is struggling at school, also the council refused her assessment');
    await c.send('how long do i have to appeal');
    const said = all(await c.send('Work out my deadline'));
    expect(said).not.toMatch(/Which decision|Which deadline/);
    expect(said).toMatch(/What date is printed on the decision letter\?/);
  });

  it.each(['how long to appeal, refusal letter dated the 21st', 'how long to appeal, letter dated 1 december'])(
    '%j alone does not say which decision: it is asked',
    async (message) => {
      const c = chat(channel, TODAY);
      expect(all(await c.send(message))).toMatch(/Which decision are you appealing against\?/);
    },
  );
});

describe.each(CHANNELS)('9. a question about the choices gets what they mean and the same question (%s)', (channel) => {
  const TODAY = '2026-12-07';

  it.each([
    ['what do you mean which decision?', /Not to assess: .*not to carry out an EHC needs assessment|Not to assess: the council refuses to assess/, /To stop the plan: /],
    ['what does not to issue mean?', /Not to issue a plan: .*not to issue an EHC plan after an assessment|Not to issue a plan: after an assessment, the council refuses to issue a plan/, undefined],
    ["whats the difference between the options?", /Only the school named: /, /What the plan says: /],
    ['which one is for when they said they will stop the plan? what does it mean?', /To stop the plan: /, undefined],
  ])('at "Which decision…?": %j', async (question, meaning, also) => {
    const c = chat(channel, TODAY);
    expect(all(await c.send('how long to appeal, letter dated 1 december'))).toMatch(/Which decision are you appealing against\?/);
    const out = await c.send(question);
    const said = all(out);
    expect(said).not.toMatch(/Sorry, I did not understand|not sure what you're asking/);
    expect(said).toMatch(meaning);
    if (also) expect(said).toMatch(also);
    expect(textOf(out[out.length - 1]!)).toMatch(/Which decision are you appealing against\?/);
    // The choice numbers still work after the explanation.
    expect(all(await c.send(channel === 'sms' ? '2' : 'Not to issue a plan'))).toMatch(/letter was dated Tuesday 1 December 2026/);
  });

  it.each(['what do you mean which deadline?', 'how do i know which one to pick?', 'whats the difference between them?'])(
    'at "Which deadline…?": %j',
    async (question) => {
      const c = chat(channel, TODAY);
      expect(all(await c.send('work out my deadline'))).toMatch(/Which deadline shall I work out\?/);
      const out = await c.send(question);
      const said = all(out);
      expect(said).not.toMatch(/Sorry, I did not understand/);
      expect(said).toMatch(/6 weeks/);
      expect(said).toMatch(/20 weeks/);
      expect(textOf(out[out.length - 1]!)).toMatch(/Which deadline shall I work out\?/);
      expect(all(await c.send(channel === 'sms' ? '1' : 'Appeal to the SEND Tribunal'))).toMatch(/Which decision are you appealing against\?/);
    },
  );

  if (channel === 'sms') {
    it('every explanation fits in 3 SMS segments', async () => {
      const c = chat(channel, TODAY);
      await c.send('how long to appeal, letter dated 1 december');
      for (const a of await c.send('what do you mean which decision?')) expect(segmentCount(textOf(a))).toBeLessThanOrEqual(3);
      const k = chat(channel, TODAY);
      await k.send('work out my deadline');
      for (const a of await k.send('what do you mean which deadline?')) expect(segmentCount(textOf(a))).toBeLessThanOrEqual(3);
    });
  }
});
