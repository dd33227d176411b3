import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStorage, type Storage } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmsIds, fallbackIdSecret } from '../../src/channels/sms/ids';
import { helpText, keywordOf, optInText } from '../../src/channels/sms/keywords';
import { InMemorySmsState, StorageSmsState, dayOf, smsStateKeys, type SmsLimits, type SmsState } from '../../src/channels/sms/limits';
import { encodedLength, encodingOf, fitToSegments, joinMessages, segmentCount } from '../../src/channels/sms/segments';
import { isValidSignature, webhookUrl } from '../../src/channels/sms/signature';
import { twimlResponse, xmlEscape } from '../../src/channels/sms/twiml';
import { TwilioRestClient, TwilioRestError } from '../../src/channels/sms/twilioRestClient';
import { configureLog } from '../../src/log';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { Store } from '../../src/store/store';
import { FakeTwilioApi, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, inboundParams, signatureFor, TEST_PUBLIC_BASE_URL } from '../helpers/fakeSmsProvider';

configureLog('silent');

describe('segments', () => {
  it('tells GSM-7 from UCS-2', () => {
    expect(encodingOf('Hello £5 @ home, Ça va? {ok} €')).toBe('GSM-7');
    expect(encodingOf('It’s fine')).toBe('UCS-2'); // curly apostrophe
    expect(encodingOf('Deadline … soon')).toBe('UCS-2');
    expect(encodingOf('Smile 🙂')).toBe('UCS-2');
  });

  it('counts GSM-7 segments at 160 single and 153 concatenated, extension characters as two', () => {
    expect(segmentCount('')).toBe(0);
    expect(segmentCount('a'.repeat(160))).toBe(1);
    expect(segmentCount('a'.repeat(161))).toBe(2);
    expect(segmentCount('a'.repeat(306))).toBe(2);
    expect(segmentCount('a'.repeat(307))).toBe(3);
    expect(segmentCount('a'.repeat(459))).toBe(3);
    expect(segmentCount('a'.repeat(460))).toBe(4);
    expect(encodedLength('[]{}€')).toBe(10);
    expect(segmentCount('€'.repeat(80))).toBe(1);
    expect(segmentCount('€'.repeat(81))).toBe(2);
    // An escape pair is never split: 152 septets then a two-septet character starts segment 2.
    expect(segmentCount(`${'a'.repeat(152)}€${'a'.repeat(151)}`)).toBe(2);
    expect(segmentCount(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toBe(3);
  });

  it('counts UCS-2 segments at 70 single and 67 concatenated, never splitting an emoji', () => {
    expect(segmentCount('é’'.padEnd(70, 'x'))).toBe(1);
    expect(segmentCount('’'.padEnd(71, 'x'))).toBe(2);
    expect(segmentCount('’'.padEnd(134, 'x'))).toBe(2);
    expect(segmentCount('’'.padEnd(135, 'x'))).toBe(3);
    // 66 units then an emoji (2 units) goes whole into segment 2.
    expect(segmentCount(`’${'x'.repeat(65)}🙂${'x'.repeat(65)}`)).toBe(2);
    expect(segmentCount(`’${'x'.repeat(65)}🙂${'x'.repeat(66)}`)).toBe(3);
  });

  it('leaves text that fits unchanged', () => {
    const text = 'a'.repeat(459);
    expect(fitToSegments(text)).toEqual({ text, encoding: 'GSM-7', segments: 3, truncated: false });
  });

  it('cuts GSM-7 text at a word boundary with "..." so it stays GSM-7', () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i},`).join(' ');
    const fitted = fitToSegments(words, 3);
    expect(fitted.truncated).toBe(true);
    expect(fitted.encoding).toBe('GSM-7');
    expect(fitted.segments).toBe(3);
    expect(fitted.text.endsWith('...')).toBe(true);
    // Trailing punctuation before the ellipsis is dropped, and the cut is between words.
    expect(fitted.text).not.toMatch(/,\.\.\.$/);
    expect(words.startsWith(fitted.text.slice(0, -3))).toBe(true);
    expect(words[fitted.text.length - 3]).toBe(',');
    expect(fitToSegments(words, 1).text.length).toBeLessThanOrEqual(160);
    expect(segmentCount(fitToSegments(words, 1).text)).toBe(1);
  });

  it('cuts UCS-2 text to 67-unit segments with "…"', () => {
    const text = `“Quote” ${'word '.repeat(80)}`;
    const fitted = fitToSegments(text, 3);
    expect(fitted.encoding).toBe('UCS-2');
    expect(fitted.segments).toBe(3);
    expect(fitted.text.length).toBeLessThanOrEqual(201);
    expect(fitted.text.length).toBeGreaterThan(190);
    expect(fitted.text.endsWith('word…')).toBe(true);
  });

  it('cuts hard when there is no word boundary early enough', () => {
    const fitted = fitToSegments(`short ${'x'.repeat(1000)}`, 3);
    expect(fitted.segments).toBe(3);
    expect(fitted.text.length).toBe(459);
    expect(fitted.text.endsWith('x...')).toBe(true);
  });

  it('gains room when the cut removes the only non-GSM character', () => {
    const text = `${'a '.repeat(300)}🙂`;
    const fitted = fitToSegments(text, 3);
    expect(fitted.encoding).toBe('GSM-7');
    expect(fitted.text.length).toBeGreaterThan(440);
  });

  it('joins messages with a blank line and drops empty ones', () => {
    expect(joinMessages([' One. ', '', 'Two.\r\nLine 2'])).toBe('One.\n\nTwo.\nLine 2');
  });
});

describe('keywords', () => {
  it('recognises each provider keyword, whatever the case, spaces and punctuation', () => {
    for (const word of ['STOP', 'stop', ' Stop. ', 'STOPALL', 'stop all', 'UNSUBSCRIBE', 'cancel', 'END!', 'quit']) {
      expect(keywordOf(word), word).toBe('opt-out');
    }
    for (const word of ['START', 'start', 'YES', 'yes!', 'UNSTOP']) expect(keywordOf(word), word).toBe('opt-in');
    for (const word of ['HELP', 'help?', 'INFO', 'Info']) expect(keywordOf(word), word).toBe('help');
  });

  it('does not treat a sentence or another word as a keyword', () => {
    for (const text of ['stop it', 'Please help me', 'start again', 'yes please', 'STOPPED', 'information', '', '???', '2']) {
      expect(keywordOf(text), text).toBeUndefined();
    }
  });

  it('names the service and how to stop in the help text, in one GSM-7 segment', () => {
    const text = helpText('Worcestershire County Council SEND advice');
    expect(text).toContain('Worcestershire County Council SEND advice');
    expect(text).toContain('Reply STOP');
    expect(encodingOf(text)).toBe('GSM-7');
    expect(segmentCount(text)).toBe(1);
    expect(optInText('X')).toContain('Reply STOP');
  });
});

describe('TwiML', () => {
  it('escapes the five XML characters and drops characters XML cannot carry', () => {
    expect(xmlEscape(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;');
    expect(xmlEscape('bell\u0007 tab\t line\n ok \uFFFF')).toBe('bell tab\t line\n ok ');
    expect(xmlEscape('🙂 café')).toBe('🙂 café');
  });

  it('answers with a Message, or an empty Response', () => {
    expect(twimlResponse('Hi & bye')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hi &amp; bye</Message></Response>');
    expect(twimlResponse()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(twimlResponse('')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});

describe('signature', () => {
  const params = inboundParams({ from: '+447700900123', to: '+441332555001', body: 'Hello & <b>' });
  const url = webhookUrl(`${TEST_PUBLIC_BASE_URL}/`, '/api/sms');

  it('accepts what Twilio signs and nothing else', () => {
    expect(url).toBe(`${TEST_PUBLIC_BASE_URL}/api/sms`);
    expect(isValidSignature(TEST_AUTH_TOKEN, signatureFor(params), url, params)).toBe(true);
    expect(isValidSignature(TEST_AUTH_TOKEN, signatureFor(params), url, { ...params, Body: 'Hello' })).toBe(false);
    expect(isValidSignature(TEST_AUTH_TOKEN, signatureFor(params), url, { ...params, Extra: '1' })).toBe(false);
    expect(isValidSignature('another-token-0123456789', signatureFor(params), url, params)).toBe(false);
    expect(isValidSignature(TEST_AUTH_TOKEN, signatureFor(params), 'https://evil.example/api/sms', params)).toBe(false);
    expect(isValidSignature(TEST_AUTH_TOKEN, undefined, url, params)).toBe(false);
    expect(isValidSignature(TEST_AUTH_TOKEN, '', url, params)).toBe(false);
    expect(isValidSignature(TEST_AUTH_TOKEN, 'not base64 at all', url, params)).toBe(false);
  });
});

describe('ids', () => {
  it('never contain the number, differ per council, and are stable for one key', () => {
    const ids = new SmsIds('a-secret-of-enough-length-123456');
    const number = '+447700900123';
    const derby = ids.conversationId('derby', number);
    expect(derby).toMatch(/^sms-[0-9a-f]{32}$/);
    expect(derby).not.toContain('7700900123');
    expect(derby).not.toBe(ids.conversationId('generic', number));
    expect(derby).toBe(new SmsIds('a-secret-of-enough-length-123456').conversationId('derby', number));
    expect(derby).not.toBe(new SmsIds('another-secret-of-enough-length-1').conversationId('derby', number));
    expect(ids.numberKey(number)).toMatch(/^n-[0-9a-f]{32}$/);
    expect(ids.numberKey(number)).not.toBe(ids.numberKey('+447700900124'));
    // Our numbers have keys of their own kind: never the same as a person's key for the same digits.
    expect(ids.ourNumberKey(number)).toMatch(/^o-[0-9a-f]{32}$/);
    expect(ids.ourNumberKey(number).slice(2)).not.toBe(ids.numberKey(number).slice(2));
    expect(() => new SmsIds('short')).toThrow(RangeError);
    expect(fallbackIdSecret(TEST_ACCOUNT_SID)).toBe(fallbackIdSecret(TEST_ACCOUNT_SID));
  });
});

// ---- state: the same behaviour from every implementation ----------------------------------------

const LIMITS: SmsLimits = { perNumberPerMinute: 2, perNumberPerDay: 3, globalPerDay: 4 };
const roots: string[] = [];
const stores: Store[] = [];

async function sqliteStore(dataDir = mkdtempSync(path.join(tmpdir(), 'sms-state-'))): Promise<Store> {
  roots.push(dataDir);
  const store = await SqliteStore.open({ dataDir });
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const store of stores) await store.close().catch(() => undefined);
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const implementations: [string, () => Promise<SmsState>][] = [
  ['in memory', async () => new InMemorySmsState()],
  ['on MemoryStorage', async () => new StorageSmsState(new MemoryStorage())],
  ['on the SQLite store', async () => new StorageSmsState((await sqliteStore()).botStorage())],
];

describe.each(implementations)('SMS state %s', (_name, make) => {
  let state: SmsState;
  beforeAll(async () => {
    state = await make();
  });

  it('claims a message id once', async () => {
    const now = new Date();
    expect(await state.claimMessage('SM1', now)).toBe(true);
    expect(await state.claimMessage('SM1', now)).toBe(false);
    expect(await state.claimMessage('SM2', now)).toBe(true);
    const racing = await Promise.all(Array.from({ length: 5 }, () => state.claimMessage('SM3', now)));
    expect(racing.filter(Boolean)).toHaveLength(1);
  });

  it('remembers opt-outs per person\'s number and our number', async () => {
    // Each step: [person, our number, opt out (true) or back in (false)]; then who is opted out of what.
    const steps: [string, string, boolean][] = [
      ['n-a', 'o-derby', true],
      ['n-b', 'o-mk', true],
      ['n-a', 'o-mk', true],
      ['n-a', 'o-derby', false],
    ];
    const expected: [string, string, boolean][][] = [
      [['n-a', 'o-derby', true], ['n-a', 'o-mk', false], ['n-b', 'o-derby', false]],
      [['n-a', 'o-derby', true], ['n-a', 'o-mk', false], ['n-b', 'o-mk', true], ['n-b', 'o-derby', false]],
      [['n-a', 'o-derby', true], ['n-a', 'o-mk', true], ['n-b', 'o-derby', false]],
      [['n-a', 'o-derby', false], ['n-a', 'o-mk', true], ['n-b', 'o-mk', true]],
    ];
    for (const [i, [person, ours, optedOut]] of steps.entries()) {
      await state.setOptedOut(person, ours, optedOut, new Date());
      for (const [p, o, want] of expected[i]!) expect(await state.isOptedOut(p, o), `after step ${i}: ${p} from ${o}`).toBe(want);
    }
  });

  it('limits per number per minute and per day, and everyone per day (London days)', async () => {
    const t0 = Date.parse('2026-06-01T08:00:00Z');
    const at = (ms: number) => new Date(t0 + ms);
    expect(await state.consume('n-x', LIMITS, at(0))).toEqual({ allowed: true });
    expect(await state.consume('n-x', LIMITS, at(1000))).toEqual({ allowed: true });
    expect(await state.consume('n-x', LIMITS, at(2000))).toEqual({ allowed: false, reason: 'number-minute', noticeDue: true });
    expect(await state.consume('n-x', LIMITS, at(61_000))).toEqual({ allowed: true });
    expect(await state.consume('n-x', LIMITS, at(200_000))).toEqual({ allowed: false, reason: 'number-day', noticeDue: true });
    expect(await state.consume('n-y', LIMITS, at(200_000))).toEqual({ allowed: true });
    expect(await state.consume('n-z', LIMITS, at(200_000))).toEqual({ allowed: false, reason: 'global-day', noticeDue: false });
    // 23:30 UTC on 1 June is 00:30 on 2 June in London (BST): a new day.
    const nextLondonDay = new Date('2026-06-01T23:30:00Z');
    expect(dayOf(nextLondonDay)).toBe('2026-06-02');
    expect(await state.consume('n-x', LIMITS, nextLondonDay)).toEqual({ allowed: true });
  });

  it('gives a notice for the first refusal in each window only', async () => {
    const limits = { perNumberPerMinute: 1, perNumberPerDay: 2, globalPerDay: 100 };
    const t0 = Date.parse('2026-06-03T08:00:00Z');
    const verdicts = [];
    for (const ms of [0, 1000, 30_000, 59_999, 60_500, 61_000, 200_000, 300_000]) verdicts.push(await state.consume('n-notice', limits, new Date(t0 + ms)));
    expect(verdicts).toEqual([
      { allowed: true },
      { allowed: false, reason: 'number-minute', noticeDue: true },
      { allowed: false, reason: 'number-minute', noticeDue: false },
      { allowed: false, reason: 'number-minute', noticeDue: false },
      { allowed: true },
      { allowed: false, reason: 'number-minute', noticeDue: true },
      { allowed: false, reason: 'number-day', noticeDue: true },
      { allowed: false, reason: 'number-day', noticeDue: false },
    ]);
    expect(await state.consume('n-notice', limits, new Date('2026-06-04T08:00:00Z'))).toEqual({ allowed: true });
  });

  it('gives exactly one notice to refusals that arrive together', async () => {
    const now = new Date('2026-07-02T12:00:00Z');
    const limits = { perNumberPerMinute: 2, perNumberPerDay: 100, globalPerDay: 100 };
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => state.consume('n-burst-notice', limits, now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(2);
    expect(verdicts.filter((v) => !v.allowed && v.noticeDue)).toHaveLength(1);
  });

  it('counts concurrent messages exactly', async () => {
    const now = new Date('2026-07-01T12:00:00Z');
    const limits = { perNumberPerMinute: 5, perNumberPerDay: 100, globalPerDay: 100 };
    const verdicts = await Promise.all(Array.from({ length: 12 }, () => state.consume('n-burst', limits, now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
  });

  it('keeps the address of a conversation', async () => {
    expect(await state.address('sms-1')).toBeUndefined();
    await state.rememberAddress('sms-1', { number: '+447700900123', ourNumber: '+441332555001', tenant: 'derby' });
    expect(await state.address('sms-1')).toEqual({ number: '+447700900123', ourNumber: '+441332555001', tenant: 'derby' });
  });
});

describe('SMS state on the SQLite store, shared by two instances', () => {
  it('lets exactly one instance claim a message and counts both instances\' messages together', async () => {
    const store = await sqliteStore();
    const a = new StorageSmsState(store.botStorage());
    const b = new StorageSmsState(store.botStorage());
    const now = new Date('2026-07-01T12:00:00Z');
    const claims = await Promise.all([a.claimMessage('SMshared', now), b.claimMessage('SMshared', now)]);
    expect(claims.filter(Boolean)).toHaveLength(1);

    const limits = { perNumberPerMinute: 6, perNumberPerDay: 100, globalPerDay: 100 };
    const verdicts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).consume('n-shared', limits, now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(6);
  });

  it('keeps opt-outs and addresses after the store is reopened, the address tied to the conversation', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sms-state-'));
    const first = await sqliteStore(dataDir);
    const conversationId = 'sms-0123456789abcdef0123456789abcdef';
    await new StorageSmsState(first.botStorage()).setOptedOut('n-kept', 'o-derby', true, new Date());
    await new StorageSmsState(first.botStorage()).rememberAddress(conversationId, { number: '+447700900123', ourNumber: '+441332555001', tenant: 'derby' });
    await first.close();

    const second = await sqliteStore(dataDir);
    const state = new StorageSmsState(second.botStorage());
    expect(await state.isOptedOut('n-kept', 'o-derby')).toBe(true);
    expect(await state.isOptedOut('n-kept', 'o-mk')).toBe(false);
    expect((await state.address(conversationId))?.tenant).toBe('derby');
    // Exporting or deleting the person by conversation id includes the number kept for replies.
    const exported = await second.exportPerson(conversationId);
    expect(exported.state.map((s) => s.key)).toContain(smsStateKeys.address(conversationId));
    await second.deletePerson(conversationId);
    expect(await state.address(conversationId)).toBeUndefined();
    expect(await state.isOptedOut('n-kept', 'o-derby')).toBe(true);
  });

  it('keeps opt-outs and opt-ins past retention, old-style and per number alike', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sms-state-'));
    const realNow = Date.now();
    const store = await sqliteStore(dataDir);
    // The same database, written a year ago.
    const yearAgo = await SqliteStore.open({ dataDir, now: () => new Date(realNow - 365 * 24 * 60 * 60_000) });
    stores.push(yearAgo);
    const then = new StorageSmsState(yearAgo.botStorage());
    await yearAgo.botStorage().write({ [smsStateKeys.legacyOptOut('n-old')]: { optedOut: true, changedAt: '2025-01-05T10:00:00.000Z', eTag: '*' } });
    await then.setOptedOut('n-old', 'o-derby', false, new Date());
    await then.setOptedOut('n-new', 'o-mk', true, new Date());
    await yearAgo.botStorage().write({ [smsStateKeys.counts('n-old')]: { day: '2025-01-05', dayCount: 1, recent: [] } });
    await store.purgeOlderThan(new Date(realNow - 30 * 24 * 60 * 60_000));
    // The year-old counts went (so the clock did make everything old); the opt-outs and opt-ins stayed.
    expect(await store.botStorage().read([smsStateKeys.counts('n-old')])).toEqual({});
    const state = new StorageSmsState(store.botStorage());
    expect(await state.isOptedOut('n-old', 'o-derby')).toBe(false);
    expect(await state.isOptedOut('n-old', 'o-mk')).toBe(true);
    expect(await state.isOptedOut('n-new', 'o-mk')).toBe(true);
  });
});

// An opt-out kept before opt-outs were per our number: one record per person, for every number.
const storages: [string, () => Promise<Storage>][] = [
  ['on MemoryStorage', async () => new MemoryStorage()],
  ['on the SQLite store', async () => (await sqliteStore()).botStorage()],
];

describe.each(storages)('SMS state %s, after the upgrade to opt-outs per number', (_name, make) => {
  const legacy = (numberKey: string, optedOut: boolean) => ({
    // As the earlier version wrote it.
    [smsStateKeys.legacyOptOut(numberKey)]: { optedOut, changedAt: '2026-01-05T10:00:00.000Z', eTag: '*' },
  });

  it.each<{ why: string; before: boolean; steps: [string, boolean][]; expected: Record<string, boolean> }>([
    { why: 'an old STOP holds for every number', before: true, steps: [], expected: { 'o-derby': true, 'o-mk': true, 'o-new': true } },
    { why: 'an old START (opted back in) holds nowhere', before: false, steps: [], expected: { 'o-derby': false, 'o-mk': false } },
    {
      why: 'START to one number opts in to that number only',
      before: true,
      steps: [['o-derby', false]],
      expected: { 'o-derby': false, 'o-mk': true, 'o-new': true },
    },
    {
      why: 'a STOP to one number after START there is kept for it',
      before: true,
      steps: [['o-derby', false], ['o-mk', false], ['o-derby', true]],
      expected: { 'o-derby': true, 'o-mk': false, 'o-new': true },
    },
    { why: 'a new STOP adds to an old START', before: false, steps: [['o-mk', true]], expected: { 'o-derby': false, 'o-mk': true } },
  ])('$why', async ({ before, steps, expected }) => {
    const storage = await make();
    const person = 'n-upgraded';
    await storage.write(legacy(person, before));
    const state = new StorageSmsState(storage);
    for (const [ours, optedOut] of steps) await state.setOptedOut(person, ours, optedOut, new Date());
    for (const [ours, want] of Object.entries(expected)) expect(await state.isOptedOut(person, ours), ours).toBe(want);
    // Someone with no record at all is opted out of nothing.
    expect(await state.isOptedOut('n-someone-else', 'o-derby')).toBe(false);
  });
});

describe('Twilio REST client', () => {
  let api: FakeTwilioApi;
  beforeAll(async () => {
    api = await FakeTwilioApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  it('posts From, To and Body with basic auth and returns the message SID', async () => {
    const client = new TwilioRestClient({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, apiBaseUrl: `${api.baseUrl}/` });
    const sent = await client.sendMessage({ from: '+441332555001', to: '+447700900123', body: 'Hello & welcome = 100%' });
    expect(sent).toEqual({ sid: expect.stringMatching(/^SM\d{32}$/), status: 'queued' });
    const request = api.requests.at(-1)!;
    expect(request.path).toBe(`/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages.json`);
    expect(request.authorization).toBe(`Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64')}`);
    expect(request.form).toEqual({ From: '+441332555001', To: '+447700900123', Body: 'Hello & welcome = 100%' });
  });

  it('turns a refusal into an error with the status and Twilio code, never Twilio\'s text', async () => {
    const client = new TwilioRestClient({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, apiBaseUrl: api.baseUrl });
    api.failNext(400, 21610, 'Attempt to send to unsubscribed recipient +447700900123');
    const error = await client.sendMessage({ from: '+441332555001', to: '+447700900123', body: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwilioRestError);
    expect(error).toMatchObject({ status: 400, code: 21610 });
    expect((error as Error).message).not.toContain('7700900123');
  });

  it('fails clearly when the API cannot be reached', async () => {
    const client = new TwilioRestClient({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, apiBaseUrl: 'http://127.0.0.1:1' });
    await expect(client.sendMessage({ from: '+441332555001', to: '+447700900123', body: 'x' })).rejects.toThrow('Could not reach the Twilio API');
  });

  it('refuses a malformed account SID', () => {
    expect(() => new TwilioRestClient({ accountSid: 'not-a-sid', authToken: 'x', apiBaseUrl: api.baseUrl })).toThrow(/account SID/);
  });
});
