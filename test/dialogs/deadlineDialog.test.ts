import { afterEach, describe, expect, it } from 'vitest';
import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, WaterfallDialog, type DialogState } from 'botbuilder-dialogs';
import { addMonths, extractDates, type IsoDate } from '../../src/core/dates';
import {
  APPEAL_DECISIONS, calendarFile, deadlineMessages, explainDeadline, foldLine, type DeadlineReply,
} from '../../src/core/dates/explain';
import { FACT_NAMES, computeDeadline, type DeadlineKind, type Facts } from '../../src/core/dates';
import { smsText } from '../../src/bot/renderReply';
import { segmentCount } from '../../src/channels/sms/segments';
import {
  asksToWorkOut, confirmsReadBack, detectDecision, detectKind, kindFromReply, saysDontKnow, saysNoCertificate, yesOrNo,
} from '../../dialogs/deadlineAnswers';
import {
  DEADLINE_DIALOG, DeadlineDialog, deadlineFollowUp, fitDeadlineSms, todayOf, wantsDeadline, type DeadlineMemory, type DeadlineOptions,
} from '../../dialogs/deadlineDialog';
import { understandingOf, type DialogServices } from '../../dialogs/services';
import type { ConversationData } from '../../src/bot/conversationData';
import { buttonsOf, core, testAdapter, textOf } from '../helpers/testBot';

/**
 * The deadline conversation through the real bot (TestAdapter), on Web Chat and SMS, and Teams for
 * the happy path. "Today" is fixed by the activity timestamp. After every test, each transcript is
 * checked: no bot message names a date the person has not typed until they have confirmed their
 * dates, and every SMS fits in 3 segments of plain GSM-7 text.
 */

const DEFAULT_TODAY = '2026-02-10'; // a Tuesday

interface Entry {
  from: 'user' | 'bot';
  text: string;
  activity?: Partial<Activity>;
}

interface Conversation {
  channel: string;
  today: IsoDate;
  transcript: Entry[];
  /** Sends one message; returns the bot's activities in that turn. */
  send(text: string): Promise<Partial<Activity>[]>;
}

let conversations: Conversation[] = [];

/** A conversation through `adapter` on `today`, its transcript kept for the checks after each test. */
function recorded(adapter: TestAdapter, channel: string, today: IsoDate): Conversation {
  const timestamp = new Date(`${today}T12:00:00Z`);
  const transcript: Entry[] = [];
  const convo: Conversation = {
    channel,
    today,
    transcript,
    async send(text) {
      adapter.activeQueue.splice(0);
      await adapter.receiveActivity({ type: ActivityTypes.Message, text, timestamp });
      const out = adapter.activeQueue.splice(0);
      transcript.push({ from: 'user', text });
      for (const activity of out) transcript.push({ from: 'bot', text: textOf(activity), activity });
      return out;
    },
  };
  conversations.push(convo);
  return convo;
}

function conversation(channel: string, options: { tenant?: string; today?: IsoDate } = {}): Conversation {
  const adapter = testAdapter(channel, options.tenant ?? 'derby');
  const today = options.today ?? DEFAULT_TODAY;
  return recorded(adapter, channel, today);
}

const allText = (activities: Partial<Activity>[]) => activities.map(textOf).join('\n');
const last = (activities: Partial<Activity>[]) => activities[activities.length - 1]!;

const DEADLINE_STATED = /deadline is|must tell you by|must send you (the final|your mediation)|last day to comment on the draft plan is/i;
const READ_BACK = /Is that right\?|Reply 1 if that's right|Is that the date|the date printed on the decision letter\?$/;
/** Agreeing with a read-back, in the words these tests use (listed here, not read by the code under test). */
const CONFIRMING = /^(1|one|yes|yep|yeh|correct|that's right|thats it|that's it|yes thats right|yes that's right|yep correct|that is it thanks)$/i;
const SMS_SAFE = /^[A-Za-z0-9 \n@£$!"#%&'()*+,\-./:;<=>?_]*$/;
/** The date the dialog uses as an example of how to type one ("like 2 January 2026"). */
const EXAMPLE = /(like|For example:) \d{1,2} \w+ \d{4}/g;

afterEach(() => {
  const finished = conversations;
  conversations = [];
  for (const c of finished) checkTranscript(c);
});

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WRITTEN_DATE = new RegExp(String.raw`\b(\d{1,2}) (${MONTHS.join('|')}) (\d{4})\b`, 'g');

/** Every date the bot wrote (it always writes them as "2 March 2026"), as ISO dates. */
function datesWritten(text: string): IsoDate[] {
  return [...text.replace(EXAMPLE, '').matchAll(WRITTEN_DATE)].map((m) =>
    `${m[3]}-${String(MONTHS.indexOf(m[2]!) + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`);
}

/**
 * The dates a person's words can stand for: the date read, the dates offered when the weekday typed
 * does not fit it, and for a day and month with no year the next one too (a what-if may mean it).
 */
function readableDates(text: string, today: IsoDate): IsoDate[] {
  return extractDates(text, today).flatMap((d) => [
    d.date,
    ...(d.weekdayClash?.alternatives ?? []),
    ...(d.form === 'no-year' ? [addMonths(d.date, 12), addMonths(d.date, 1)] : []),
  ]);
}

/**
 * No deadline before its dates are confirmed (for each deadline in the conversation); SMS short and
 * plain; no files by SMS.
 */
function checkTranscript({ channel, today, transcript }: Conversation): void {
  const typed = new Set<IsoDate>();
  let from = 0;
  while (from < transcript.length) {
    const found = transcript.slice(from).findIndex((e) => e.from === 'bot' && DEADLINE_STATED.test(e.text));
    const stated = found === -1 ? -1 : from + found;
    const before = transcript.slice(from, stated === -1 ? undefined : stated);
    for (const entry of before) {
      if (entry.from === 'user') readableDates(entry.text, today).forEach((d) => typed.add(d));
      // Until the person confirms, the bot only repeats dates the person gave: never a deadline.
      else for (const date of datesWritten(entry.text)) expect(typed, `bot named ${date} before any confirmation: ${entry.text}`).toContain(date);
    }
    if (stated === -1) break;
    // A read-back was confirmed, and no date was typed after the last confirmation.
    const confirmations = transcript.slice(0, stated).flatMap((e, i) => {
      if (i < from) return [];
      const prompt = [...transcript.slice(0, i)].reverse().find((p) => p.from === 'bot');
      return e.from === 'user' && CONFIRMING.test(e.text) && prompt && READ_BACK.test(prompt.text) ? [i] : [];
    });
    expect(confirmations.length, 'a deadline without a confirmed date').toBeGreaterThan(0);
    const after = transcript.slice(confirmations[confirmations.length - 1]! + 1, stated).filter((e) => e.from === 'user');
    for (const entry of after) expect(extractDates(entry.text, today), `unconfirmed date in "${entry.text}"`).toHaveLength(0);
    // The next deadline's part starts with the person's next message.
    const next = transcript.slice(stated).findIndex((e) => e.from === 'user');
    if (next === -1) break;
    from = stated + next;
  }
  if (channel === 'sms') {
    for (const entry of transcript.filter((e) => e.from === 'bot')) {
      expect(entry.text.length, entry.text).toBeLessThanOrEqual(480);
      expect(entry.text, 'SMS text must be plain GSM-7').toMatch(SMS_SAFE);
      expect(entry.activity?.attachments ?? []).toHaveLength(0);
    }
  }
}

/** The text of the .ics file attached in these activities. */
function calendarIn(activities: Partial<Activity>[]): string | undefined {
  const file = activities.flatMap((a) => a.attachments ?? []).find((a) => a.contentType === 'text/calendar');
  if (!file?.contentUrl) return undefined;
  const match = /^data:text\/calendar;charset=utf-8;base64,(.+)$/.exec(file.contentUrl);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : undefined;
}

// ---------------------------------------------------------------------------------------------

interface ConfirmCase {
  name: string;
  today: IsoDate;
  first: string;
  /** Replies to the read-backs (and any other question) in order. */
  replies: string[];
  due: string;
  says: RegExp[];
  saysNot?: RegExp[];
}

const MEDIATION_STEP = /contact the mediation adviser/i;
const FIVE_PM = /The Tribunal must receive your appeal by 5pm on that day/;

const CONFIRM_CASES: ConfirmCase[] = [
  {
    name: 'letter 31 Dec 2025, no certificate: Saturday 28 Feb moves to Monday 2 March',
    today: DEFAULT_TODAY,
    first: 'The council refused to assess. My decision letter is dated 31/12/2025 and we have no mediation certificate. When is my appeal deadline?',
    replies: ['1'],
    due: 'Monday 2 March 2026',
    says: [FIVE_PM, MEDIATION_STEP, /Saturday 28 February 2026/, /20 days from today/, /01332 641414/],
  },
  {
    name: 'the certificate route is later than the letter route',
    today: DEFAULT_TODAY,
    first: "The council won't issue a plan. The letter was dated 2 January 2026 and the mediation certificate was issued on 10 February 2026. When is my appeal deadline?",
    replies: ['yes', "that's right"],
    due: 'Tuesday 10 March 2026',
    says: [FIVE_PM, /You have your mediation certificate/],
    saysNot: [/Before you can appeal, you must contact the mediation adviser/],
  },
  {
    name: 'a period ending in the Christmas window runs to the first working day after 1 January',
    today: '2025-12-01',
    first: 'Appeal deadline please: the council is stopping the plan. Letter dated 1 October 2025, mediation certificate issued 29 November 2025.',
    replies: ['1', '1'],
    due: 'Friday 2 January 2026',
    says: [FIVE_PM, /12\(3\)\(a\)/],
  },
  {
    name: 'a period ending in August runs to the first working day in September',
    today: '2026-06-20',
    first: 'The council refused to assess. My decision letter is dated 15/06/2026 and there is no certificate. When is my deadline?',
    replies: ['Yes'],
    due: 'Tuesday 1 September 2026',
    says: [FIVE_PM, /in August/],
  },
  {
    name: 'a question about commenting on a draft plan, with the day it came, in texting style',
    today: '2026-12-07',
    first: 'draft ehcp came 3rd dec. how long do i get to reply?',
    replies: ['yes'],
    due: 'Thursday 17 December 2026',
    says: [/comment on the draft plan/],
  },
  {
    name: 'a question about the decision whether to assess, with the day the request arrived',
    today: '2026-12-07',
    first: 'What is the deadline for the council to decide on an EHC needs assessment request received 10 November 2026?',
    replies: ['yes'],
    due: 'Tuesday 22 December 2026',
    says: [/6 weeks|six weeks/i],
  },
  {
    name: 'a leap year',
    today: '2028-01-05',
    first: 'The council refused to assess. My decision letter is dated 31/12/2027 and there is no certificate. When is my deadline?',
    replies: ['1'],
    due: 'Tuesday 29 February 2028',
    says: [FIVE_PM],
  },
];

describe.each(['webchat', 'sms'] as const)('deadline dialog on %s', (channel) => {
  describe('confirm path: dates from the first message, read back, then the deadline', () => {
    it.each(CONFIRM_CASES)('$name', async (c) => {
      const chat = conversation(channel, { today: c.today });
      const first = await chat.send(c.first);
      expect(allText(first)).toMatch(READ_BACK);
      let out = first;
      for (const reply of c.replies) out = await chat.send(reply);
      const text = allText(out);
      expect(text).toContain(c.due);
      for (const pattern of c.says) expect(text).toMatch(pattern);
      for (const pattern of c.saysNot ?? []) expect(text).not.toMatch(pattern);
      if (channel === 'sms') expect(calendarIn(out)).toBeUndefined();
      else expect(calendarIn(out)).toMatch(/BEGIN:VCALENDAR/);
    });

    it('reads the letter date back in words, with a numbered answer on SMS', async () => {
      const chat = conversation(channel);
      const out = await chat.send('The council refused to assess. My letter is dated 02/01/2026. When is my appeal deadline?');
      const readBack = textOf(last(out));
      expect(readBack).toContain('You said the letter was dated Friday 2 January 2026.');
      if (channel === 'sms') {
        expect(readBack).toContain("Reply 1 if that's right, 2 to change it.");
        // SMS providers act on YES, STOP, HELP… themselves: the read-back must not rely on them.
        expect(readBack).not.toMatch(/\b(yes|no|stop|start|help|cancel|end|quit|info|unstop|subscribe)\b/i);
      } else {
        expect(readBack).toContain('Is that right?');
        expect(buttonsOf(last(out))).toEqual(['Yes', 'No, change it']);
      }
    });
  });

  describe('correct path: a date can be changed before it is used', () => {
    it.each([
      { how: '"2", then a new date', steps: ['2', '31 December 2025'] },
      { how: 'the button words, then a new date', steps: ['No, change it', '31/12/25'] },
      { how: 'a correction with the date in it', steps: ['no, it was 31 December 2025'] },
    ])('$how', async ({ steps }) => {
      const chat = conversation(channel);
      await chat.send('The council refused to assess. My decision letter is dated 2 December 2025 and I have no certificate. When is my appeal deadline?');
      let out: Partial<Activity>[] = [];
      for (const step of steps) out = await chat.send(step);
      expect(allText(out)).toContain('You said the letter was dated Wednesday 31 December 2025.');
      expect(allText(out)).not.toMatch(DEADLINE_STATED);
      out = await chat.send('1');
      expect(allText(out)).toContain('Monday 2 March 2026');
      expect(allText(out)).not.toContain('Monday 2 February 2026'); // the first date's deadline
    });

    it('asks the date again after "2", in words', async () => {
      const chat = conversation(channel);
      await chat.send('The council refused to assess. Letter dated 31/12/2025. When is my appeal deadline?');
      const out = await chat.send('2');
      expect(allText(out)).toMatch(/What date is printed on the decision letter\?/);
    });
  });

  describe('"I don\'t know the date"', () => {
    it('says where to find it, offers SENDIASS, gives no deadline, and carries on when the date comes', async () => {
      const chat = conversation(channel);
      const asked = await chat.send('The council refused to assess. When is my appeal deadline?');
      expect(allText(asked)).toMatch(/What date is printed on the decision letter\?/);
      const unknown = await chat.send("I don't know the date");
      const text = allText(unknown);
      expect(text).toMatch(/printed near the top of the decision letter/);
      expect(text).toMatch(/won't guess/);
      expect(text).toMatch(/01332 641414/);
      expect(text).not.toMatch(DEADLINE_STATED);
      const later = await chat.send('It is dated 31 December 2025');
      expect(allText(later)).toContain('You said the letter was dated Wednesday 31 December 2025.');
    });

    it('stops kindly after a second "I don\'t know", with how to come back', async () => {
      const chat = conversation(channel, { tenant: 'milton-keynes' });
      await chat.send('The council refused to assess. When is my appeal deadline?');
      await chat.send('not sure');
      const out = await chat.send("I can't find the letter");
      expect(allText(out)).toMatch(/ask me to work out your deadline/);
      expect(allText(out)).toMatch(/01908 254518/);
      const after = await chat.send('31/12/2025');
      expect(allText(after)).not.toMatch(READ_BACK);
    });

    it('works for a certificate date too', async () => {
      const chat = conversation(channel);
      await chat.send('The council refused to assess. My letter is dated 31/12/2025. When is my appeal deadline?');
      await chat.send('1');
      const out = await chat.send("I have one but I don't know the date");
      expect(allText(out)).toMatch(/printed on the mediation certificate/);
      expect(allText(out)).not.toMatch(DEADLINE_STATED);
    });
  });

  describe('a future date is questioned, not accepted', () => {
    it('in the first message', async () => {
      const chat = conversation(channel);
      const out = await chat.send('The council refused to assess. My letter is dated 2 March 2026. When is my deadline?');
      expect(allText(out)).toMatch(/Monday 2 March 2026 .*in the future/);
      expect(allText(out)).not.toMatch(READ_BACK);
      const fixed = await chat.send('Sorry, 2 January 2026');
      expect(allText(fixed)).toContain('You said the letter was dated Friday 2 January 2026.');
    });

    it('as an answer to the date question', async () => {
      const chat = conversation(channel);
      await chat.send('The council refused to assess. When is my appeal deadline?');
      const out = await chat.send('20/12/2026');
      expect(allText(out)).toMatch(/Sunday 20 December 2026 is in the future, so it cannot be the date on the decision letter/);
      expect(allText(out)).not.toMatch(READ_BACK);
    });
  });

  describe('doubts from reading the words become questions', () => {
    const REFUSED = 'The council refused to assess.';
    it.each([
      {
        name: 'two letter dates: the person picks one',
        steps: [
          [`${REFUSED} I got two letters, one dated 2 January 2026 and another dated 5 January 2026. When is my appeal deadline?`, /more than one date .* Which one is it\?/],
          ['1', /You said the letter was dated Friday 2 January 2026\./],
        ],
      },
      {
        name: 'the day the letter came is not its date',
        steps: [
          [`${REFUSED} The letter came on 5 January. When is my appeal deadline?`, /The letter came on Monday 5 January 2026\. What date is printed on it\?/],
          ['2 January 2026', /You said the letter was dated Friday 2 January 2026\./],
        ],
      },
      {
        name: 'an answer giving the day it came is asked about too',
        steps: [
          [`${REFUSED} When is my appeal deadline?`, /What date is printed on the decision letter\?/],
          ['it came on 5 January', /The letter came on Monday 5 January 2026\. What date is printed on it\?/],
        ],
      },
      {
        name: 'a date with no words around it is asked about',
        steps: [
          [`${REFUSED} My letter says 2 January 2026, when is my appeal deadline?`, /Is Friday 2 January 2026 the date printed on the decision letter\?/],
          ['1', /Do you have a mediation certificate\?/],
        ],
      },
      {
        name: 'the day a certificate arrived is checked as its issue date',
        steps: [
          [`${REFUSED} Letter dated 2 January 2026. We received the mediation certificate on 3 February 2026. When is my deadline?`, /You said the letter was dated Friday 2 January 2026/],
          ['yes', /You got the certificate on Tuesday 3 February 2026\. Is that the date it was issued\?/],
          ['1', /Your appeal deadline is Tuesday 3 March 2026\./],
        ],
      },
      {
        name: 'a posted request: the day the council received it is asked for',
        steps: [
          ['work out my deadline', /Which deadline shall I work out\?/],
          ['2', /What day did the council receive your request/],
          ['I posted it on 6 January 2025', /You posted the request on Monday 6 January 2025\. Has the council told you the date they received it\?/],
          ['yes', /What date did the council say it received your request\?/],
          ['8 January 2025', /You said the council received the request on Wednesday 8 January 2025\./],
          ['1', /must tell you by Wednesday 19 February 2025/],
        ],
      },
      {
        name: 'a posted request with no date from the council: no guess',
        steps: [
          ['work out my deadline', /Which deadline shall I work out\?/],
          ['The council deciding whether to assess', /What day did the council receive your request/],
          ['I posted it on 6 January 2025', /Has the council told you the date they received it\?/],
          ['no', /ask the council's SEN team what day they received it/],
        ],
      },
    ] satisfies Array<{ name: string; steps: Array<[string, RegExp]> }>)('$name', async ({ steps }) => {
      const chat = conversation(channel);
      for (const [message, expected] of steps) expect(allText(await chat.send(message))).toMatch(expected);
    });
  });

  it('a school-only appeal says mediation advice is not needed, and does not ask for a certificate', async () => {
    const chat = conversation(channel, { today: '2026-10-05' });
    await chat.send('When is my deadline? My appeal is only about the school named in the plan.');
    const date = await chat.send('30/09/2026');
    expect(allText(date)).toContain('You said the letter was dated Wednesday 30 September 2026.');
    const out = await chat.send('1');
    const text = allText(out);
    expect(text).toContain('Monday 30 November 2026');
    expect(text).toMatch(/only about the school or college named in the plan, so you do not need to contact a mediation adviser/);
    expect(text).not.toMatch(/certificate\?/);
  });

  it('an appeal decision chosen from the list, by number', async () => {
    const chat = conversation(channel);
    const asked = await chat.send('when is my deadline');
    expect(allText(asked)).toMatch(/Which decision are you appealing against\?/);
    const out = await chat.send('6');
    expect(allText(out)).toMatch(/What date is printed on the decision letter\?/);
  });

  describe('the other four deadlines, chosen from the list', () => {
    it.each([
      { choice: '2', date: '6 January 2025', readBack: 'the council received the request on Monday 6 January 2025', due: 'Monday 17 February 2025', says: /must tell you by Monday 17 February 2025 whether it will carry out an EHC needs assessment/ },
      { choice: 'The final EHC plan', date: '06/01/2025', readBack: 'the council received the request on Monday 6 January 2025', due: 'Monday 26 May 2025', says: /does not move/ },
      { choice: 'four', date: '2 February 2026', readBack: 'the draft plan was sent to you on Monday 2 February 2026', due: 'Monday 16 February 2026', says: /comment on the draft plan/ },
      { choice: '5', date: '24/12/2025', readBack: 'you told the mediation adviser on Wednesday 24 December 2025', due: 'Wednesday 31 December 2025', says: /mediation adviser must send you your mediation certificate/ },
    ])('$choice → $due', async ({ choice, date, readBack, due, says }) => {
      const chat = conversation(channel);
      const asked = await chat.send('Can you work out my deadline?');
      expect(allText(asked)).toMatch(/Which deadline shall I work out\?/);
      await chat.send(choice);
      const back = await chat.send(date);
      expect(allText(back)).toContain(readBack);
      const out = await chat.send('1');
      expect(allText(out)).toContain(due);
      expect(allText(out)).toMatch(says);
      expect(allText(out)).toMatch(/01332 641414/);
    });
  });

  describe('interruptions at every step', () => {
    const STEPS: Array<{ step: string; reach: string[]; prompt: RegExp }> = [
      { step: 'which deadline', reach: ['work out my deadline'], prompt: /Which deadline shall I work out\?/ },
      { step: 'which decision', reach: ['When is my appeal deadline?'], prompt: /Which decision are you appealing against\?/ },
      { step: 'the date', reach: ['The council refused to assess. When is my appeal deadline?'], prompt: /What date is printed on the decision letter\?/ },
      { step: 'the certificate', reach: ['The council refused to assess. Letter dated 31/12/2025. When is my appeal deadline?', '1'], prompt: /Do you have a mediation certificate\?/ },
      { step: 'the read-back', reach: ['The council refused to assess. Letter dated 31/12/2025. When is my appeal deadline?'], prompt: /You said the letter was dated Wednesday 31 December 2025/ },
    ];

    describe.each(STEPS)('at $step', ({ reach, prompt }) => {
      async function reached() {
        const chat = conversation(channel);
        let out: Partial<Activity>[] = [];
        for (const message of reach) out = await chat.send(message);
        expect(textOf(last(out))).toMatch(prompt);
        return chat;
      }

      it('"help" explains, then asks the same question again', async () => {
        const chat = await reached();
        const out = await chat.send('help');
        expect(allText(out)).toMatch(/I answer questions about|Ask me about SEND/);
        expect(textOf(last(out))).toMatch(prompt);
      });

      it.each(['cancel', 'stop it'])('%j stops the deadline conversation', async (word) => {
        const chat = await reached();
        const out = await chat.send(word);
        expect(allText(out)).toMatch(/I've stopped that/);
        const after = await chat.send('1');
        expect(allText(after)).not.toMatch(prompt);
        expect(allText(after)).not.toMatch(READ_BACK);
      });

      it('"talk to a person" gives the contact and ends it', async () => {
        const chat = await reached();
        const out = await chat.send('talk to a person');
        expect(allText(out)).toMatch(/01332 641414/);
        expect(allText(out)).not.toMatch(prompt);
      });

      it('a safeguarding message gets urgent help at once', async () => {
        const chat = await reached();
        const out = await chat.send('my son says he wants to kill himself');
        const text = allText(out);
        expect(text).toMatch(/999/);
        expect(text).toMatch(/0800 1111/);
        expect(text).toMatch(/116 123/);
        expect(text).not.toMatch(prompt);
      });
    });
  });

  describe('a reply it cannot read', () => {
    it.each([
      { at: 'the read-back', first: 'The council refused to assess. Letter dated 31/12/2025. When is my appeal deadline?', again: /Sorry, I did not understand\. You said the letter was dated Wednesday 31 December 2025/ },
      { at: 'the date question', first: 'The council refused to assess. When is my appeal deadline?', again: /Sorry, I could not find a date in that/ },
    ])('at $at: asks again, then offers a person', async ({ first, again }) => {
      const chat = conversation(channel);
      await chat.send(first);
      const once = await chat.send('blorp fizzle');
      expect(allText(once)).toMatch(again);
      const twice = await chat.send('zzzz qqqq');
      expect(allText(twice)).toMatch(/A person can help you work out your deadline/);
      expect(allText(twice)).toMatch(/01332 641414/);
      const picked = await chat.send('1');
      expect(allText(picked)).toMatch(/talk to a person/i);
    });

    it('a new question leaves the deadline and is answered', async () => {
      const chat = conversation(channel);
      await chat.send('The council refused to assess. When is my appeal deadline?');
      const out = await chat.send('what is mediation?');
      expect(allText(out)).toMatch(/mediat/i);
      expect(allText(out)).not.toMatch(/Sorry, I could not find a date/);
    });
  });

  describe('a weekday that does not fit the date is asked about, never picked silently', () => {
    const TODAY = '2026-12-07'; // a Monday: 18 December 2026 (a Friday) is still to come
    it.each([
      {
        name: 'in the first message, with no year and no allowed year on that weekday',
        steps: [
          ['I said no to mediation and need my certificate. I told the mediation adviser on Fri 18th dec', /18 December 2025 was a Thursday, not a Friday\. Which date do you mean\?/],
          ['1', /You said you told the mediation adviser on Thursday 18 December 2025 that you did not want mediation\./],
          ['yes', /must send you your mediation certificate by Tuesday 23 December 2025/],
        ],
      },
      {
        name: 'another year that fits the weekday is offered first',
        steps: [
          ['The council refused to assess. The letter is dated mon 1st dec. When is my appeal deadline?', /1 December 2026 was a Tuesday, not a Monday\. Which date do you mean\?/],
          ['1', /You said the letter was dated Monday 1 December 2025\./],
        ],
      },
      {
        name: 'as the answer to the date question, written with numbers',
        steps: [
          ['The council refused to assess. When is my appeal deadline?', /What date is printed on the decision letter\?/],
          ['it was dated Fri 18/12', /18 December 2025 was a Thursday, not a Friday/],
          ['Thursday 18 December 2025', /You said the letter was dated Thursday 18 December 2025\./],
        ],
      },
      {
        name: 'in a correction at the read-back, with the weekday after the date',
        steps: [
          ['The council refused to assess. Letter dated 2 December 2026. When is my appeal deadline?', /You said the letter was dated Wednesday 2 December 2026\./],
          ['no, it was 3rd dec (a friday)', /3 December 2026 was a Thursday, not a Friday\. Which date do you mean\?/],
          ['None of these', /What date is printed on the decision letter\?/],
        ],
      },
      {
        name: 'a weekday that fits is not questioned',
        steps: [
          ['The council refused to assess. Letter dated Thursday 18 December. When is my appeal deadline?', /You said the letter was dated Thursday 18 December 2025\. Is that right\?|You said the letter was dated Thursday 18 December 2025\. Reply 1/],
        ],
      },
    ] satisfies Array<{ name: string; steps: Array<[string, RegExp]> }>)('$name', async ({ steps }) => {
      const chat = conversation(channel, { today: TODAY });
      for (const [message, expected] of steps) {
        const text = allText(await chat.send(message));
        expect(text).toMatch(expected);
        if (/not a \w+day/.test(text)) {
          expect(text).not.toMatch(READ_BACK);
          expect(text).not.toMatch(DEADLINE_STATED);
        }
      }
    });
  });

  describe('ordinary ways of saying yes and no', () => {
    const FIRST = 'The council refused to assess. Letter dated 1 October 2026. When is my appeal deadline?';
    it.each(['yeh', 'yes thats right', "yes that's right", 'yep correct', "that's it", 'that is it thanks', 'spot on'])('%j agrees with the read-back', async (reply) => {
      const chat = conversation(channel, { today: '2026-12-07' });
      expect(allText(await chat.send(FIRST))).toContain('You said the letter was dated Thursday 1 October 2026.');
      const out = await chat.send(reply);
      expect(allText(out)).toMatch(/Do you have a mediation certificate\?/);
      expect(allText(out)).not.toMatch(/Sorry/);
    });

    it.each(["no that's wrong", 'nope', 'nah thats wrong', 'not quite'])('%j asks for the date again', async (reply) => {
      const chat = conversation(channel, { today: '2026-12-07' });
      await chat.send(FIRST);
      const out = await chat.send(reply);
      expect(allText(out)).toMatch(/^OK\. What date is printed on the decision letter\?/);
      expect(allText(out)).not.toMatch(DEADLINE_STATED);
    });

    it('"yes, it was the 2nd" is a correction, read back before use', async () => {
      const chat = conversation(channel, { today: '2026-12-07' });
      await chat.send(FIRST);
      const out = await chat.send('yes it was 2 october 2026');
      expect(allText(out)).toContain('You said the letter was dated Friday 2 October 2026.');
      expect(allText(out)).not.toMatch(DEADLINE_STATED);
    });

    it('"nope" to the certificate question means no certificate', async () => {
      const chat = conversation(channel, { today: '2026-12-07' });
      await chat.send(FIRST);
      await chat.send('yes');
      const out = await chat.send('nope');
      expect(allText(out)).toContain('Your appeal deadline is Tuesday 1 December 2026.');
    });
  });

  describe('a date given out of turn is kept and read back in its turn', () => {
    it('at "which decision": kept, the question asked again without "Sorry", and read back after', async () => {
      const chat = conversation(channel, { today: '2026-12-07' });
      expect(allText(await chat.send('when is my deadline'))).toMatch(/Which decision are you appealing against\?/);
      const noted = allText(await chat.send('the letter was dated 3rd of november'));
      expect(noted).toMatch(/kept that date.*Which decision are you appealing against\?/s);
      expect(noted).not.toMatch(/Sorry|A person can help/);
      // A second date instead of an answer is not "unclear" either: no offer of a person.
      const again = allText(await chat.send('it came on the 5th'));
      expect(again).not.toMatch(/A person can help/);
      const readBack = allText(await chat.send('not to assess'));
      expect(readBack).toContain('You said the letter was dated Tuesday 3 November 2026.');
    });

    it('at "which deadline": kept until the deadline is known; the words of a choice are enough', async () => {
      const chat = conversation(channel, { today: '2026-12-07' });
      await chat.send('work out my deadline');
      const noted = allText(await chat.send('it came on 1 dec'));
      expect(noted).toMatch(/kept that date.*Which deadline shall I work out\?/s);
      const out = allText(await chat.send('draft plan'));
      expect(out).toContain('You said the draft plan was sent to you on Tuesday 1 December 2026.');
    });

    it('the school named in the plan is a school-only appeal; the date given at the next question is used', async () => {
      const chat = conversation(channel, { today: '2026-12-07' });
      const first = allText(await chat.send('we got the final plan a fortnight ago and the wrong school is named in it, how long do we have to appeal?'));
      expect(first).not.toMatch(/Which decision are you appealing against\?/);
      expect(first).toMatch(/What date is printed on it\?/);
      const readBack = allText(await chat.send('the plan is dated 20/11/2026'));
      expect(readBack).toContain('You said the letter was dated Friday 20 November 2026.');
      const out = allText(await chat.send('yep correct'));
      expect(out).toContain('Your appeal deadline is Wednesday 20 January 2027.');
      expect(out).toMatch(/only about the school or college named in the plan/);
      expect(out).not.toMatch(/Do you have a mediation certificate\?/);
    });
  });

  describe('starting from the main dialog', () => {
    it('offers "Work out my deadline" after the appeal-deadline answer, and it starts the dialog', async () => {
      const chat = conversation(channel);
      const answer = await chat.send('How long do I have to appeal to the tribunal?');
      if (channel === 'sms') expect(textOf(last(answer))).toMatch(/4 Work out my deadline/);
      else expect(buttonsOf(last(answer))).toContain('Work out my deadline');
      const picked = await chat.send(channel === 'sms' ? '4' : 'Work out my deadline');
      // Picked under the appeal time-limits answer: it is the appeal deadline, not "which deadline?".
      expect(allText(picked)).not.toMatch(/Which deadline shall I work out\?/);
      expect(allText(picked)).toMatch(/Which decision are you appealing against\?/);
      await chat.send('not to assess');
      const date = await chat.send('31.12.25');
      expect(allText(date)).toContain('You said the letter was dated Wednesday 31 December 2025.');
    });

    it.each([
      'when is my deadline',
      'work out my deadline',
      'my letter is dated 31/12/2025',
    ])('"%s" starts it', async (message) => {
      const chat = conversation(channel);
      const out = await chat.send(message);
      expect(allText(out)).toMatch(/Which deadline shall I work out\?|Which decision are you appealing against\?/);
    });

    it.each([
      'how long do I get to comment on the draft plan',
      'draft plan came today, how long to send comments',
    ])('"%s" asks about another time limit and starts it', async (message) => {
      const chat = conversation(channel);
      const out = await chat.send(message);
      expect(allText(out)).toMatch(/What day was the draft EHC plan sent to you\?|You said the draft plan was sent to you on/);
    });

    it('a general question gets the general answer', async () => {
      const chat = conversation(channel);
      const out = await chat.send('Does the tribunal have to receive it by a certain time on the last day?');
      expect(allText(out)).toMatch(/5pm/);
      expect(allText(out)).not.toMatch(/Which deadline shall I work out\?|Which decision are you appealing/);
    });
  });
});

describe('deadline dialog on msteams (happy path)', () => {
  it('confirms, then gives the deadline, without a calendar file Teams could not show', async () => {
    const chat = conversation('msteams');
    const first = await chat.send('The council refused to assess. My decision letter is dated 31/12/2025. When is my appeal deadline?');
    expect(buttonsOf(last(first))).toEqual(['Yes', 'No, change it']);
    await chat.send('Yes');
    const out = await chat.send("I don't have one yet");
    const text = allText(out);
    expect(text).toContain('Your appeal deadline is Monday 2 March 2026.');
    expect(text).toMatch(FIVE_PM);
    expect(text).toMatch(MEDIATION_STEP);
    expect(text).toMatch(/Where this comes from/);
    expect(calendarIn(out)).toBeUndefined();
    expect(text).not.toMatch(/calendar|file below/i);
    expect(buttonsOf(last(out))).toEqual(['How to appeal', 'Talk to a person']);
  });
});

describe('the calendar file (RFC 5545)', () => {
  it('is one all-day event with a UID and DTSTAMP, CRLF lines of at most 75 octets', async () => {
    const chat = conversation('webchat');
    await chat.send('The council refused to assess. My decision letter is dated 31/12/2025 and we have no mediation certificate. When is my appeal deadline?');
    const out = await chat.send('1');
    const ics = calendarIn(out)!;
    const file = out.flatMap((a) => a.attachments ?? [])[0]!;
    expect(file.name).toBe('appeal-deadline-2026-03-02.ics');
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = ics.split('\r\n').slice(0, -1);
    for (const line of lines) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '').split('\r\n').slice(0, -1);
    expect(unfolded[0]).toBe('BEGIN:VCALENDAR');
    expect(unfolded).toContain('VERSION:2.0');
    expect(unfolded.some((l) => l.startsWith('PRODID:'))).toBe(true);
    expect(unfolded.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(unfolded.some((l) => /^UID:\S+@\S+$/.test(l))).toBe(true);
    expect(unfolded).toContain('DTSTAMP:20260210T120000Z');
    expect(unfolded).toContain('DTSTART;VALUE=DATE:20260302');
    expect(unfolded).toContain('DTEND;VALUE=DATE:20260303');
    expect(unfolded.find((l) => l.startsWith('DESCRIPTION:'))).toMatch(/5pm.*01332 641414/);
    expect(unfolded[unfolded.length - 1]).toBe('END:VCALENDAR');
  });

  it('folds long lines without splitting a character, and escapes commas and semicolons', () => {
    const long = `DESCRIPTION:${'é'.repeat(100)}`;
    const folded = foldLine(long);
    for (const line of folded) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    expect(folded.map((l, i) => (i === 0 ? l : l.slice(1))).join('')).toBe(long);
    const result = computeDeadline('final-plan', { request_date: '2025-01-06' });
    const ics = calendarFile(result, new Date('2025-01-10T09:30:00Z'), core().replies.tenant('worcestershire')).content;
    expect(ics.replace(/\r\n /g, '')).toMatch(/Herefordshire and Worcestershire SENDIASS on 01905 768153 or by email at sendiass@worcestershire\.gov\.uk/);
    expect(ics.replace(/\r\n /g, '')).toMatch(/2025\\, which|2025\)/);
    expect(ics).not.toMatch(/BEGIN:VALARM/); // a council deadline: no reminder to act
  });
});

describe('every deadline message fits an SMS for every council', () => {
  const SAMPLES: Array<[DeadlineKind, Facts]> = [
    ['appeal', { decision_letter_date: '2025-12-31', certificate_date: null }],
    ['appeal', { decision_letter_date: '2025-10-01', certificate_date: '2025-11-29' }],
    ['assessment-decision', { request_date: '2025-01-06' }],
    ['final-plan', { request_date: '2025-01-06' }],
    ['draft-plan-comments', { draft_served_date: '2026-02-02' }],
    ['certificate-if-declined', { declined_date: '2027-05-28' }],
  ];
  const tenants = [...core().knowledge.tenants.keys()];

  it.each(tenants)('%s', (tenantId) => {
    const tenant = core().replies.tenant(tenantId);
    const messages: DeadlineReply[] = [
      deadlineMessages.whichDeadline(), deadlineMessages.whichDeadline(true), deadlineMessages.whichDecision(true),
      deadlineMessages.askCertificate(true), deadlineMessages.offerPerson(tenant), deadlineMessages.comeBackLater(tenant),
      deadlineMessages.whichDecision(false, 'changed'), deadlineMessages.whichDeadline(false, 'dropped'),
      deadlineMessages.meetingNotCertificate(true), deadlineMessages.meetingNotCertificate(false),
      deadlineMessages.certificateBeforeLetter('2026-09-30', '2026-11-30'),
    ];
    for (const fact of Object.values(FACT_NAMES).flat()) {
      messages.push(deadlineMessages.askDate(fact, 'retry'), deadlineMessages.dontKnow(fact, tenant),
        deadlineMessages.confirm(fact, '2026-09-30', undefined, true), deadlineMessages.futureDate(fact, '2026-09-30'),
        deadlineMessages.readBackQuestion(fact, '2026-09-30'));
    }
    for (const [kind, facts] of SAMPLES) {
      const result = computeDeadline(kind, facts);
      for (const today of ['2025-01-01', '2029-01-01']) {
        for (const decision of kind === 'appeal' ? APPEAL_DECISIONS : [undefined]) {
          messages.push(...explainDeadline(result, { today, tenant, decision }));
        }
      }
    }
    for (const message of messages) {
      // As the dialog says it on SMS: whole sentences dropped if need be, never cut (3 segments: 459 GSM-7 characters, not 480).
      const sms = smsText(fitDeadlineSms(message));
      expect(segmentCount(sms), sms).toBeLessThanOrEqual(3);
      expect(sms, sms).toMatch(SMS_SAFE);
      expect(message.text).not.toMatch(/\{\{/);
    }
  });
});

describe('reading replies', () => {
  it.each([
    ['yes', 'yes'], ["Yes that's right", 'yes'], ['correct', 'yes'], ['yep', 'yes'], ['right', 'yes'],
    ['no', 'no'], ['No, change it', 'no'], ['wrong', 'no'], ['not right', 'no'], ['nope', 'no'],
    ['blorp', undefined], ['yes no', undefined], ['I think my letter came in the post', undefined],
  ])('yesOrNo(%j) is %s', (text, expected) => {
    expect(yesOrNo(text)).toBe(expected);
  });

  it.each([
    ["I don't know the date", true], ['not sure', true], ["can't find the letter", true], ['no idea', true], ['31/12/2025', false], ['yes', false],
  ])('saysDontKnow(%j) is %s', (text, expected) => {
    expect(saysDontKnow(text)).toBe(expected);
  });

  it.each([
    ['no', true], ['not yet', true], ["I don't have one", true], ["it's on its way", true], ["I don't know the date", false], ['yes', false],
  ])('saysNoCertificate(%j) is %s', (text, expected) => {
    expect(saysNoCertificate(text)).toBe(expected);
  });

  it.each([
    ['when is my appeal deadline', 'appeal'],
    ['the council has 6 weeks to decide on my request for an assessment', 'assessment-decision'],
    ['when will I get the final EHC plan', 'final-plan'],
    ['how long do I have to comment on the draft plan', 'draft-plan-comments'],
    ['I said no to mediation, when do I get my certificate', 'certificate-if-declined'],
    ['work out my deadline', undefined],
  ])('detectKind(%j) is %s', (text, expected) => {
    expect(detectKind(text)).toBe(expected);
  });

  it.each([
    ['the council refused to assess my son', 'not-to-assess'],
    ["they won't issue a plan", 'not-to-issue'],
    ['the appeal is only about the school named', 'school-only'],
    ['they are stopping the plan', 'cease'],
    ['I am unhappy with section F', 'contents'],
    ['the council said no', undefined],
  ])('detectDecision(%j) is %s', (text, expected) => {
    expect(detectDecision(text)).toBe(expected);
  });

  it.each([
    ['when is my deadline', true], ['work out my deadline', true], ['please calculate the date for me', true],
    ['How long do I have to appeal?', false], ["what's the deadline for a tribunal appeal?", false],
  ])('asksToWorkOut(%j) is %s', (text, expected) => {
    expect(asksToWorkOut(text)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// What-if follow-ups. The main dialog is not this file's to change, so these run the deadline
// dialog under a small host that routes each message exactly as the one-line hook in the main
// dialog would: `deadlineFollowUp` first, then `wantsDeadline`; anything else is "routed elsewhere".

const ROUTED = 'ROUTED ELSEWHERE';

function hostConversation(channel: string, today: IsoDate): Conversation {
  const conversationState = new ConversationState(new MemoryStorage());
  const dialogState = conversationState.createProperty<DialogState>('dialogState');
  const services: DialogServices = {
    understander: core().understander,
    replies: core().replies,
    conversationData: conversationState.createProperty<ConversationData>('conversationData'),
    defaultTenant: 'derby',
  };
  const dialogs = new DialogSet(dialogState);
  dialogs.add(new DeadlineDialog(services));
  dialogs.add(new WaterfallDialog('host', [
    async (step) => {
      const { context } = step;
      const text = context.activity.text ?? '';
      const data = await services.conversationData.get(context, { unclearTurns: 0, offered: [] });
      data.tenant = 'derby';
      // The hook: a what-if about the deadline just worked out.
      const followUp = deadlineFollowUp(text, data, todayOf(context));
      if (followUp) return step.beginDialog(DEADLINE_DIALOG, followUp);
      const understanding = understandingOf(services, context, text);
      if (wantsDeadline(understanding, text, todayOf(context))) {
        const topicId = understanding.kind === 'answer' ? understanding.topicId : undefined;
        return step.beginDialog(DEADLINE_DIALOG, { text, topicId } satisfies DeadlineOptions);
      }
      await context.sendActivity(ROUTED);
      return step.endDialog();
    },
    async (step) => step.endDialog(),
  ]));
  const adapter = new TestAdapter(async (context: TurnContext) => {
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog('host');
    await conversationState.saveChanges(context);
  }, { channelId: channel });
  return recorded(adapter, channel, today);
}

describe.each(['webchat', 'sms'] as const)('what-if after a deadline on %s, through the real assistant', (channel) => {
  it('works the deadline out again with the new date, read back first', async () => {
    const chat = conversation(channel, { today: '2026-12-07' });
    await chat.send('The council refused to assess. Letter dated 1/10/2026 and we have no certificate. When is my appeal deadline?');
    expect(allText(await chat.send('yes'))).toContain('Your appeal deadline is Tuesday 1 December 2026.');
    expect(allText(await chat.send('what if i get the certificate on 20 jan?'))).toContain(
      'You asked about a mediation certificate issued on Wednesday 20 January 2027.',
    );
    expect(allText(await chat.send('yes'))).toContain(
      'With a mediation certificate issued on Wednesday 20 January 2027, your appeal deadline is Monday 22 February 2027.',
    );
  });
});

describe.each(['webchat', 'sms'] as const)('what-if after a deadline on %s (through the main-dialog hook)', (channel) => {
  const TODAY = '2026-12-07';
  const FIRST = 'The council refused to assess. Letter dated 1/10/2026 and we have no certificate. When is my appeal deadline?';

  async function afterDeadline(): Promise<Conversation> {
    const chat = hostConversation(channel, TODAY);
    expect(allText(await chat.send(FIRST))).toContain('You said the letter was dated Thursday 1 October 2026.');
    expect(allText(await chat.send('yes'))).toContain('Your appeal deadline is Tuesday 1 December 2026.');
    return chat;
  }

  it('a certificate still to come: read back first, then the deadline worked out again', async () => {
    const chat = await afterDeadline();
    const readBack = allText(await chat.send('what if i get the certificate on 20 jan?'));
    expect(readBack).toContain('You asked about a mediation certificate issued on Wednesday 20 January 2027.');
    expect(readBack).not.toMatch(DEADLINE_STATED);
    expect(readBack).not.toContain(ROUTED);
    const out = await chat.send('yes');
    const text = allText(out);
    expect(text).toContain('With a mediation certificate issued on Wednesday 20 January 2027, your appeal deadline is Monday 22 February 2027.');
    expect(text).toMatch(/When you have your mediation certificate, you can send your appeal/);
    expect(calendarIn(out)).toBeUndefined(); // a what-if is not saved to a calendar
  });

  it('a changed letter date in the past tense stays in the past, and can be corrected before use', async () => {
    const chat = await afterDeadline();
    const readBack = allText(await chat.send('and if the letter was dated 3 nov?'));
    expect(readBack).toContain('You asked about a decision letter dated Tuesday 3 November 2026.');
    expect(allText(await chat.send('no'))).toMatch(/What date is printed on the decision letter\?/);
    expect(allText(await chat.send('4 November 2026'))).toContain('You said the letter was dated Wednesday 4 November 2026.');
    expect(allText(await chat.send('yes'))).toContain('With a decision letter dated Wednesday 4 November 2026, your appeal deadline is Monday 4 January 2027.');
  });

  it('a weekday that does not fit the what-if date is asked about', async () => {
    const chat = await afterDeadline();
    const out = allText(await chat.send('what if the certificate comes on Tue 20 Jan?'));
    expect(out).toMatch(/20 January 2027 is a Wednesday, not a Tuesday\. Which date do you mean\?/);
    expect(out).not.toMatch(DEADLINE_STATED);
  });

  it.each([
    'what is mediation?',
    'what if I miss the deadline?',
    'what if I say no to mediation on 20 jan?',
  ])('%j is not a what-if about the last deadline', async (message) => {
    const chat = await afterDeadline();
    expect(allText(await chat.send(message))).not.toMatch(/You asked about/);
  });

  it('without a deadline worked out first, a what-if is routed as usual', async () => {
    const chat = hostConversation(channel, TODAY);
    expect(allText(await chat.send('what if i get the certificate on 20 jan?'))).not.toMatch(/You asked about/);
  });
});

describe('deadlineFollowUp', () => {
  const TODAY = '2026-12-07';
  const appeal: DeadlineMemory = {
    unclearTurns: 0, offered: [],
    lastDeadline: { kind: 'appeal', decision: 'not-to-assess', facts: { decision_letter_date: '2026-10-01', certificate_date: null }, due: '2026-12-01' },
  };
  const draft: DeadlineMemory = {
    unclearTurns: 0, offered: [],
    lastDeadline: { kind: 'draft-plan-comments', facts: { draft_served_date: '2026-12-01' }, due: '2026-12-15' },
  };
  it.each([
    [appeal, 'what if i get the certificate on 20 jan?', 'certificate_date', '2027-01-20'],
    [appeal, 'and if the letter was dated 3 nov', 'decision_letter_date', '2026-11-03'],
    [appeal, 'suppose the cert is issued on 05/01/2027', 'certificate_date', '2027-01-05'],
    [appeal, 'would it change if the certificate came 2 weeks ago', 'certificate_date', '2026-11-23'],
    [draft, 'what if it was sent on the 3rd instead', 'draft_served_date', '2026-12-03'],
  ] as const)('%#: %j → %s %s', (data, text, fact, date) => {
    const options = deadlineFollowUp(text, data, TODAY);
    expect(options?.whatIf?.fact).toBe(fact);
    expect(options?.whatIf?.date).toBe(date);
  });

  it.each([
    [appeal, 'what if I miss the deadline?'], // no date
    [appeal, 'the certificate came on 20 jan'], // not a what-if
    [appeal, 'what if it was the 3rd?'], // an appeal has two dates: which one is not said
    [appeal, 'what if the letter was dated 3 nov and the certificate 5 dec?'], // two dates
    [{ unclearTurns: 0, offered: [] } as DeadlineMemory, 'what if i get the certificate on 20 jan?'], // no deadline yet
  ] as const)('%#: %j is not a follow-up', (data, text) => {
    expect(deadlineFollowUp(text, data, TODAY)).toBeUndefined();
  });
});

describe('reading replies (yes and no, choices in words)', () => {
  it.each([
    ['yeh', 'yes'], ['yes thats right', 'yes'], ['Yes, that\u2019s right!', 'yes'], ['yep correct', 'yes'], ['spot on', 'yes'],
    ['yes sorry', 'yes'], ['\u{1F44D}', 'yes'], ["no that's wrong", 'no'], ['nah thats wrong', 'no'], ['not quite', 'no'],
    ['no sorry', 'no'], ['ok, no thanks', 'no'], ['yes no', undefined], ['no, yep', undefined], ["that's it", undefined],
  ])('yesOrNo(%j) is %s', (text, expected) => {
    expect(yesOrNo(text)).toBe(expected);
  });

  it.each([
    ["that's it", 'yes'], ['yes thats the one', 'yes'], ['that is the date thanks', 'yes'], ['thats the right day', 'yes'],
    ['nope', 'no'], ["that's it, the school is wrong", undefined], ['that is when it came', undefined], ['blorp', undefined],
  ])('confirmsReadBack(%j) is %s', (text, expected) => {
    expect(confirmsReadBack(text)).toBe(expected);
  });

  it.each([
    ['draft plan', 'draft-plan-comments'], ['the tribunal one', 'appeal'], ['final plan', 'final-plan'],
    ['whether they will assess', 'assessment-decision'], ['mediation certificate', 'certificate-if-declined'],
    ['the draft or the final plan', undefined], ['blorp', undefined],
  ])('kindFromReply(%j) is %s', (text, expected) => {
    expect(kindFromReply(text)).toBe(expected);
  });

  it.each([
    ['the school named is wrong', 'school-only'], ['they named the wrong school in his plan', 'school-only'],
    ['the wrong college is in section I', undefined], // section I is also the plan's contents: asked
    ['the school named is wrong and the provision is vague', undefined],
  ])('detectDecision(%j) is %s', (text, expected) => {
    expect(detectDecision(text)).toBe(expected);
  });
});
