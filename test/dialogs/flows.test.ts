import { afterEach, describe, expect, it } from 'vitest';
import type { Activity } from 'botbuilder';
import { segmentCount } from '../../src/channels/sms/segments';
import { buttonsOf, textOf } from '../helpers/testBot';
import { allText, cardButtons, chat, last, type Chat } from './flowHarness';

/**
 * Every guided flow through the real bot (TestAdapter) on Web Chat, Teams and SMS: the happy path,
 * an interruption at every step (help asks again, cancel stops, a person, start again), an answer it
 * cannot read (asked again, then a person offered), and safeguarding in the middle (urgent help at
 * once, flow ended). After each test every message is checked: SMS plain GSM-7 in at most three
 * segments, never asking for a word providers keep; Web Chat and Teams with `speak`, and cards
 * with `speak` and `fallbackText`.
 */

type Channel = 'webchat' | 'msteams' | 'sms';
const CHANNELS: Channel[] = ['webchat', 'msteams', 'sms'];
const SMS_SAFE = /^[A-Za-z0-9 \n@£$!"#%&'()*+,\-./:;<=>?_]*$/;
const SENDIASS = /01332 641414/;
const URGENT = [/999/, /0800 1111/, /116 123/];
const RISK = 'my son says he wants to kill himself';

interface FlowCase {
  flow: string;
  /** The message that starts it. */
  start: string;
  /** The question asked at each step, in order. */
  prompts: RegExp[];
  /** The answer to each prompt: the button label on Web Chat, typed words on Teams, a number on SMS. */
  answers: Record<Channel, string[]>;
  /** What the ending says. */
  ending: RegExp[];
  /** Words only this flow's ending uses (not the FAQ answers): seeing them means the flow went on. */
  endingOnly: RegExp;
}

const CASES: FlowCase[] = [
  {
    flow: 'unhappy-with-support',
    start: "I'm unhappy with the support at school",
    prompts: [/Have you talked to (your child's teacher|the teacher)/, /Is the school doing all it can/],
    answers: {
      webchat: ["Yes, but it's not sorted", 'Yes, they need more help'],
      msteams: ['yes we have talked to them', 'yes, she needs more help'],
      sms: ['2', '1'],
    },
    ending: [/EHC needs assessment/, /6 weeks/],
    endingOnly: /The council must (tell you within 6 weeks whether it will carry out the assessment|reply within 6 weeks)/,
  },
  {
    flow: 'council-decision',
    start: "I disagree with the council's decision",
    prompts: [/Which (council )?decision do you disagree with\?/, /[Ww]ork out your appeal deadline now\?/],
    answers: {
      webchat: ['Not to assess my child', 'Not now'],
      msteams: ['they refused to assess him', 'not now'],
      sms: ['1', '2'],
    },
    ending: [/2 months/, /whichever is later/],
    endingOnly: /When you're ready|Appeal within 2 months of the letter or 1 month from the certificate/,
  },
  {
    flow: 'complaint',
    start: 'I want to complain',
    prompts: [/Who is (your complaint|it) about\?/, /Have you sent (your complaint|it) yet\?/],
    answers: {
      webchat: ['The council', "Yes, and I'm unhappy with the answer"],
      msteams: ['the council', "I'm not happy with the outcome"],
      sms: ['3', '3'],
    },
    ending: [/Ombudsman/, /12 months/],
    endingOnly: /There may be a next stage you can ask for|See if the complaints procedure has a next stage/,
  },
  {
    flow: 'health-social-care',
    start: 'I disagree about the health support for my child',
    prompts: [/(having an EHC needs assessment|being assessed for an EHC plan)/],
    answers: { webchat: ['No'], msteams: ["no, she doesn't have a plan"], sms: ['2'] },
    ending: [/does not cover health or social care/],
    endingOnly: /disagreement resolution does not cover health or social care/,
  },
  {
    flow: 'exclusion',
    start: 'my son has been excluded, what are my options?',
    prompts: [/What would help most/],
    answers: { webchat: ['Where to get advice'], msteams: ['where can I get advice'], sms: ['1'] },
    ending: [/exclusion/i, /IPSEA|01332 641414/],
    endingOnly: /For information and advice about exclusions, see|For exclusion advice:/,
  },
  {
    flow: 'what-to-do',
    start: 'what are my options',
    prompts: [/What is (the disagreement|it) about\?/],
    answers: { webchat: ['Something else'], msteams: ['something else'], sms: ['6'] },
    ending: [/Type your question in your own words/],
    endingOnly: /I'll do my best to answer it|Type your question in your own words\. For free/,
  },
];

let chats: Chat[] = [];

function open(channel: Channel, options: { tenant?: string } = {}): Chat {
  const c = chat(channel, options);
  chats.push(c);
  return c;
}

afterEach(() => {
  const finished = chats;
  chats = [];
  for (const c of finished) checkTranscript(c);
});

/** Every button of a card, wherever it is laid out (its actions, or action sets in its body). */
function submitActionsOf(card: unknown): Array<{ data: unknown; title: string }> {
  const found: Array<{ data: unknown; title: string }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if ((node as { type?: unknown }).type === 'Action.Submit') found.push(node as { data: unknown; title: string });
      Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return found;
}

/** What every message on each channel must be. */
function checkTranscript({ channel, transcript }: Chat): void {
  for (const entry of transcript.filter((e) => e.from === 'bot')) {
    const activity = entry.activity!;
    if (channel === 'sms') {
      expect(segmentCount(entry.text), entry.text).toBeLessThanOrEqual(3);
      expect(entry.text, 'SMS text must be plain GSM-7').toMatch(SMS_SAFE);
      expect(activity.attachments ?? []).toHaveLength(0);
      expect(activity.suggestedActions).toBeUndefined();
      expect(entry.text).not.toMatch(/\b(reply|text|send) (yes|stop|help|cancel|start|end|quit|info|unsubscribe)\b/i);
    } else {
      expect(activity.speak, `no speak for: ${entry.text}`).toBeTruthy();
      expect(activity.speak).not.toMatch(/\*\*|Where this comes from/);
      for (const attachment of activity.attachments ?? []) {
        if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive') continue;
        const card = attachment.content as { speak?: string; fallbackText?: string };
        expect(card.speak).toBeTruthy();
        expect(card.fallbackText).toBeTruthy();
        for (const action of submitActionsOf(card)) {
          // Each button sends its own label, so pressing and typing are the same.
          if (channel === 'msteams') expect(action.data).toEqual({ msteams: { type: 'imBack', value: action.title } });
          else expect(action.data).toBe(action.title);
        }
      }
    }
  }
}

/** Starts the flow and answers the first `steps` prompts. Returns the bot's last turn. */
async function reach(c: Chat, flow: FlowCase, steps: number): Promise<Partial<Activity>[]> {
  let out = await c.send(flow.start);
  for (const answer of flow.answers[c.channel as Channel].slice(0, steps)) out = await c.send(answer);
  return out;
}

/**
 * The flow has ended: the answer to the question it was asking no longer moves it on. (The button
 * words, or the number on SMS: typed sentences might rightly start a flow again.)
 */
async function expectEnded(c: Chat, flow: FlowCase, step: number): Promise<void> {
  const channel = c.channel === 'sms' ? 'sms' : 'webchat';
  const after = await c.send(flow.answers[channel][step]!);
  const next = flow.prompts[step + 1];
  const text = allText(after);
  if (next) expect(text).not.toMatch(next);
  expect(text).not.toMatch(flow.endingOnly);
}

describe.each(CASES)('the $flow flow', (flow) => {
  describe.each(CHANNELS)('on %s', (channel) => {
    it('happy path: each question in turn, then next steps with their sources', async () => {
      const c = open(channel);
      let out = await c.send(flow.start);
      for (const [i, prompt] of flow.prompts.entries()) {
        const question = last(out);
        expect(textOf(question)).toMatch(prompt);
        if (channel === 'sms') {
          expect(textOf(question)).toMatch(/\n1 .+\n2 .+/);
          expect(textOf(question)).toMatch(/Reply 1(, \d)*( or \d)?$/m);
        } else {
          expect(cardButtons(question, 'Choose one:').length).toBeGreaterThanOrEqual(2);
          // Suggested actions as well on Web Chat; the card alone on Teams.
          if (channel === 'webchat') expect(buttonsOf(question)).toEqual(cardButtons(question, 'Choose one:'));
          else expect(question.suggestedActions?.actions ?? []).toEqual([]);
        }
        out = await c.send(flow.answers[channel][i]!);
      }
      const ending = allText(out);
      for (const pattern of flow.ending) expect(ending).toMatch(pattern);
      if (channel !== 'sms') expect(ending).toMatch(/Where this comes from/);
      // The first answer of the conversation asks "Did this help?".
      if (channel === 'sms') expect(ending).toMatch(/Did this help\? \d Yes \d No/);
      else expect(cardButtons(last(out), 'Did this help?')).toEqual(['Yes', 'No']);
    });

    describe.each(flow.prompts.map((prompt, step) => ({ prompt, step })))('at step $step', ({ prompt, step }) => {
      it('"help" says what it can do, then asks the same question again', async () => {
        const c = open(channel);
        expect(allText(await reach(c, flow, step))).toMatch(prompt);
        const out = await c.send(channel === 'sms' ? 'what can I ask?' : 'help');
        expect(allText(out)).toMatch(/I answer questions about disagreements|Ask me about SEND disagreements/);
        expect(textOf(last(out))).toMatch(prompt);
        // ...and the flow carries on.
        const next = await c.send(flow.answers[channel][step]!);
        const expected = flow.prompts[step + 1];
        if (expected) expect(allText(next)).toMatch(expected);
        else for (const pattern of flow.ending) expect(allText(next)).toMatch(pattern);
      });

      it('"cancel" stops the flow', async () => {
        const c = open(channel);
        await reach(c, flow, step);
        // SMS providers act on CANCEL and STOP themselves; people say it in other ways too, and a
        // bare "stop" in a chat means the same.
        const out = await c.send({ sms: 'never mind', webchat: 'stop', msteams: 'cancel' }[channel]);
        expect(allText(out)).toMatch(/I've stopped that/);
        expect(allText(out)).not.toMatch(prompt);
        await expectEnded(c, flow, step);
      });

      it('asking for a person gives the contact and ends the flow', async () => {
        const c = open(channel);
        await reach(c, flow, step);
        const out = await c.send('can I talk to a real person please');
        expect(allText(out)).toMatch(SENDIASS);
        expect(allText(out)).not.toMatch(prompt);
        await expectEnded(c, flow, step);
      });

      it('"start again" goes back to the beginning', async () => {
        const c = open(channel);
        await reach(c, flow, step);
        const out = await c.send('start again');
        expect(allText(out)).toMatch(/start again/i);
        if (channel === 'sms') expect(textOf(last(out))).toMatch(/1 Help me work out what to do/);
        else expect(buttonsOf(last(out))[0]).toBe('Help me work out what to do');
        await expectEnded(c, flow, step);
      });

      it('safeguarding comes first: urgent help at once, and the flow ends', async () => {
        const c = open(channel);
        await reach(c, flow, step);
        const out = await c.send(RISK);
        for (const pattern of URGENT) expect(allText(out)).toMatch(pattern);
        expect(allText(out)).not.toMatch(prompt);
        expect(allText(out)).not.toMatch(/Did this help/);
        await expectEnded(c, flow, step);
      });
    });

    it('an answer it cannot read: asks again, then offers a person', async () => {
      const c = open(channel);
      await reach(c, flow, 0);
      const once = await c.send('blorp fizzle');
      expect(textOf(last(once))).toMatch(/Sorry, I didn't understand/);
      expect(textOf(last(once))).toMatch(flow.prompts[0]!);
      const twice = await c.send('zzzz qqqq');
      expect(allText(twice)).toMatch(/still didn't understand/);
      expect(allText(twice)).toMatch(SENDIASS);
      const picked = await c.send(channel === 'sms' ? '1' : 'Talk to a person');
      expect(allText(picked)).toMatch(/talk to a person/i);
      expect(allText(picked)).toMatch(SENDIASS);
    });
  });
});

describe('"I disagree with a council decision", all the way to the deadline', () => {
  const DEADLINE = /Your appeal deadline is Monday 2 March 2026\./;

  it.each([
    ['webchat', ['Not to assess my child', 'Yes, work out my deadline', '31/12/2025', 'Yes', "I don't have one yet"]],
    ['msteams', ['not to assess', 'yes please', '31 December 2025', 'yes', 'no']],
    ['sms', ['1', '1', '31/12/2025', '1', '1']],
  ] as const)('on %s', async (channel, answers) => {
    const c = open(channel);
    const first = await c.send("I disagree with the council's decision");
    expect(allText(first)).toMatch(/automated (SEND )?assistant/);
    expect(textOf(last(first))).toMatch(/Which (council )?decision do you disagree with\?/);

    const decision = await c.send(answers[0]);
    const info = allText(decision);
    expect(info).toMatch(/You can appeal to the SEND Tribunal/);
    expect(info).toMatch(/mediation adviser/);
    if (channel !== 'sms') {
      expect(info).toMatch(/disagreement resolution or make a complaint/);
      expect(info).toMatch(/SEND Code of Practice, paragraphs 11\.13 and 11\.45/);
    }
    expect(textOf(last(decision))).toMatch(/[Ww]ork out your appeal deadline now\?/);

    // The deadline conversation starts with the decision known: it asks for the letter's date at once.
    const deadline = await c.send(answers[1]);
    expect(allText(deadline)).toMatch(/What date is printed on the decision letter\?/);
    expect(allText(deadline)).not.toMatch(/Which deadline shall I work out|Which decision are you appealing/);

    const readBack = await c.send(answers[2]);
    expect(allText(readBack)).toContain('You said the letter was dated Wednesday 31 December 2025.');
    const certificate = await c.send(answers[3]);
    expect(allText(certificate)).toMatch(/Do you have a mediation certificate\?/);
    const given = await c.send(answers[4]);
    const text = allText(given);
    expect(text).toMatch(DEADLINE);
    expect(text).toMatch(/5pm/);
    expect(text).toMatch(/contact the mediation adviser/i);
  });

  it.each([
    // A letter's date is read back; the day it came is not its date, so the printed date is asked for.
    { channel: 'webchat', date: 'it was sent 31/12/2025', answers: ['Not to assess my child', 'Yes, work out my deadline'], printed: undefined },
    { channel: 'sms', date: 'letter come 31/12/2025', answers: ['1', '1'], printed: '31/12/2025' },
  ] as const)('on $channel, a date given before the decision ("$date") is kept and used', async ({ channel, date, answers, printed }) => {
    const c = open(channel);
    await c.send("I disagree with the council's decision");
    // Not an answer to "which decision?", but not a miss either: kept, and the question asked again.
    const kept = await c.send(date);
    expect(allText(kept)).toMatch(/kept that date/);
    expect(allText(kept)).not.toMatch(/Sorry/);
    expect(textOf(last(kept))).toMatch(/Which (council )?decision do you disagree with\?/);
    const decision = await c.send(answers[0]);
    expect(textOf(last(decision))).toMatch(/[Ww]ork out your appeal deadline now\?/);
    // The deadline conversation starts from the kept date instead of asking for one from scratch.
    let readBack = await c.send(answers[1]);
    if (printed) {
      expect(allText(readBack)).toContain('The letter came on Wednesday 31 December 2025. What date is printed on it?');
      readBack = await c.send(printed);
    }
    expect(allText(readBack)).toContain('You said the letter was dated Wednesday 31 December 2025.');
    await c.send(channel === 'sms' ? '1' : 'Yes');
    expect(allText(await c.send(channel === 'sms' ? '1' : "I don't have one yet"))).toMatch(DEADLINE);
  });

  it.each([
    { channel: 'webchat', message: "He was excluded for 3 days last week. The council wrote on 20 January saying they won't assess him and I'm worried about the time limit. What do I do?" },
    { channel: 'sms', message: 'Son excluded permanently yesterday. Also council refused EHC assessment letter dated 20/01/2026. Do I appeal both? What deadlines?' },
  ] as const)('on $channel, a decision with a date and a time-limit worry in a message about something else: the deadline first, the rest offered after', async ({ channel, message }) => {
    const c = open(channel);
    const first = await c.send(message);
    expect(allText(first)).toContain('You said the letter was dated Tuesday 20 January 2026.');
    await c.send(channel === 'sms' ? '1' : 'Yes');
    const deadline = await c.send(channel === 'sms' ? '1' : "I don't have one yet");
    expect(allText(deadline)).toMatch(/Your appeal deadline is Friday 20 March 2026\./);
    expect(allText(deadline)).toMatch(/You also asked about .*exclu/i);
  });

  it('a deadline choice picked with a date in the same words reads that date back', async () => {
    const c = open('webchat');
    const first = await c.send('the council wont issue a plan for my son');
    expect(textOf(last(first))).toMatch(/[Ww]ork out your appeal deadline now\?/);
    const out = await c.send('when is my deadline? the letter is dated 31/12/2025');
    expect(allText(out)).toContain('You said the letter was dated Wednesday 31 December 2025.');
    expect(allText(out)).not.toMatch(/What date is printed on the decision letter\?/);
  });

  it('"start again" forgets a date kept in a flow', async () => {
    const c = open('webchat');
    await c.send("I disagree with the council's decision");
    expect(allText(await c.send('it was sent 31/12/2025'))).toMatch(/kept that date/);
    await c.send('start again');
    await c.send("I disagree with the council's decision");
    await c.send('Not to assess my child');
    const asked = await c.send('Yes, work out my deadline');
    expect(allText(asked)).toMatch(/What date is printed on the decision letter\?/);
    expect(allText(asked)).not.toMatch(/31 December 2025/);
  });

  it.each(['can you work out my deadline, the letter was dated 31/12/2025', 'the letter is dated 31 dec'])(
    'a deadline question in the middle of a flow ("%s") leaves it for the deadline conversation',
    async (message) => {
      const c = open('webchat');
      await c.send("I disagree with the council's decision");
      const out = await c.send(message);
      expect(allText(out)).not.toMatch(/Sorry/);
      expect(allText(out)).toMatch(/Which decision are you appealing against\?/);
      expect(allText(await c.send('Not to assess my child'))).toContain('You said the letter was dated Wednesday 31 December 2025.');
    },
  );

  it('goes straight to the decision when the first message names it', async () => {
    const c = open('webchat');
    const out = await c.send('The council refused to assess my son. What are my options?');
    expect(allText(out)).toMatch(/against a decision not to carry out an EHC needs assessment/);
    expect(textOf(last(out))).toMatch(/Shall I work out your appeal deadline now\?/);
  });

  it('a school-only appeal needs no mediation advice, and the deadline asks for no certificate', async () => {
    const c = open('sms');
    await c.send("I disagree with the council's decision");
    await c.send('3');
    const info = await c.send('1');
    expect(allText(info)).toMatch(/don't need mediation advice or a certificate/);
    await c.send('1');
    await c.send('31/12/2025');
    const out = await c.send('1');
    expect(allText(out)).toMatch(/Your appeal deadline is Monday 2 March 2026\./);
    expect(allText(out)).not.toMatch(/Do you have a mediation certificate/);
  });

  it.each(['yeh', 'yup', 'aye'])('%j to working out the deadline starts it, knowing the decision', async (yes) => {
    const c = open('sms');
    await c.send("I disagree with the council's decision");
    await c.send('To stop the plan');
    expect(allText(await c.send(yes))).toMatch(/What date is printed on the decision letter\?/);
  });

  it('"Not now" ends with the routes alongside, and "Work out my deadline" still knows the decision', async () => {
    const c = open('webchat');
    await c.send("I disagree with the council's decision");
    await c.send('To stop the plan');
    const ending = await c.send('Not now');
    expect(allText(ending)).toMatch(/disagreement resolution at the same time/);
    expect(allText(ending)).toMatch(/A complaint does not stop the appeal time limits/);
    expect(last(ending).suggestedActions?.actions.map((a) => a.title)).toEqual([
      'Work out my deadline', 'How do I register an appeal with the SEND Tribunal, and where can I get help?', 'Talk to a person',
    ]);
    const deadline = await c.send('Work out my deadline');
    expect(allText(deadline)).toMatch(/What date is printed on the decision letter\?/);
  });
});

describe('starting flows from the main dialog', () => {
  it.each(CHANNELS)('"Help me work out what to do" from the welcome, then on to the flow chosen (%s)', async (channel) => {
    const c = open(channel);
    const welcome = await c.send('hello');
    if (channel === 'sms') expect(allText(welcome)).toMatch(/1 Help me work out what to do/);
    else expect(buttonsOf(last(welcome))[0]).toBe('Help me work out what to do');
    const asked = await c.send(channel === 'sms' ? '1' : 'Help me work out what to do');
    expect(textOf(last(asked))).toMatch(/What is (the disagreement|it) about\?/);
    const chosen = await c.send(channel === 'sms' ? '3' : 'I want to complain');
    expect(textOf(last(chosen))).toMatch(/Who is (your complaint|it) about\?/);
  });

  it.each([
    ["I don't know where to start", /What is (the disagreement|it) about\?/],
    ['not happy with the nursery', /Have you talked to/],
    ['the council wants to stop his EHCP', /against a decision to stop \(cease to maintain\) the plan/],
    ["I'd like to make a complaint about the council", /You can complain about Derby City Council/],
  ])('%j starts the right flow', async (message, expected) => {
    const c = open('webchat');
    expect(allText(await c.send(message))).toMatch(expected);
  });

  it.each(CHANNELS)('offers the related flow after an answer, and picking it starts it (%s)', async (channel) => {
    const c = open(channel);
    await c.send('hello');
    const answer = await c.send('Which decisions can I appeal to the tribunal?');
    expect(allText(answer)).toMatch(/not to carry out an EHC needs assessment|refuses to assess/);
    if (channel === 'sms') expect(textOf(last(answer))).toMatch(/4 Help me work out what to do/);
    else expect(buttonsOf(last(answer))).toContain('Help me work out what to do');
    const started = await c.send(channel === 'sms' ? '4' : 'Help me work out what to do');
    expect(textOf(last(started))).toMatch(/Which (council )?decision do you disagree with\?/);
  });

  it('a new question in the middle of a flow leaves it and is answered', async () => {
    const c = open('webchat');
    await c.send('I want to complain');
    const out = await c.send('what is mediation?');
    expect(allText(out)).toMatch(/mediation/i);
    expect(allText(out)).not.toMatch(/Sorry, I didn't understand/);
  });

  it('a flow started in one council names that council', async () => {
    const c = open('sms', { tenant: 'worcestershire' });
    await c.send('I want to complain');
    const out = await c.send('3');
    expect(allText(out)).toMatch(/Worcestershire County Council's complaints procedure/);
  });
});
