import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { mountBotService } from '../../src/channels/botService';
import { loadConfig } from '../../src/config';
import { core } from '../helpers/testBot';
import {
  channelClaims,
  newRsaKey,
  postActivity,
  startFakeConnector,
  startFakeIssuer,
  teamsFixture,
  type FakeConnector,
  type FakeIssuer,
} from '../fixtures/teams/fakeBotFramework';
import { realBot } from '../fixtures/teams/realBot';

/**
 * /api/messages with MicrosoftAppId and a password: botbuilder's real JWT validation (issuer,
 * RS256 signature against the keys in the OpenID metadata, audience = the App ID, the serviceurl
 * claim, expiry, the key's channel endorsements) against a local issuer with a key of our own.
 * Every refused request gets 401 and nothing reaches the channel.
 */

const APP_ID = '0a1b2c3d-1111-4222-8333-444455556666';
const OTHER_APP_ID = '9f8e7d6c-5555-4444-8333-222211110000';
const BOT_TOKEN = 'bot-outbound-token';

const silent = { info() {}, warn() {}, error() {} };

/** Credentials for the bot's replies without Microsoft Entra ID: a fixed token, checked by the fake connector. */
function fixedTokenCredentials(appId: string): ServiceClientCredentialsFactory {
  return {
    isValidAppId: async (id: string) => id === appId,
    isAuthenticationDisabled: async () => false,
    createCredentials: async () => ({
      signRequest: async (request: { headers: { set(name: string, value: string): void } }) => {
        request.headers.set('authorization', `Bearer ${BOT_TOKEN}`);
        return request;
      },
    }),
  } as unknown as ServiceClientCredentialsFactory;
}

async function serve(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let consoleError: MockInstance<typeof console.error>;
let issuer: FakeIssuer;
let connector: FakeConnector;
/** The settings' own credentials (ConfigurationServiceClientCredentialFactory): only refusals are tested here. */
let strict: { server: Server; base: string };
/** A fixed outbound token instead, so a valid request can run a whole turn without the network. */
let accepting: { server: Server; base: string };

beforeAll(async () => {
  // botbuilder prints refused tokens' errors (and the public keys) to the console itself.
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  issuer = await startFakeIssuer(['msteams', 'emulator']);
  connector = await startFakeConnector();
  const config = loadConfig({ NODE_ENV: 'test', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret-0123456789' });
  const endpoints = { toBotFromChannelOpenIdMetadataUrl: issuer.metadataUrl, toBotFromEmulatorOpenIdMetadataUrl: issuer.metadataUrl };

  const strictApp = express();
  const strictBot = realBot().bot;
  mountBotService(strictApp, { config, logic: (context) => strictBot.run(context), log: silent, auth: { endpoints } });
  strict = await serve(strictApp);

  const { bot, storage } = realBot();
  const acceptingApp = express();
  mountBotService(acceptingApp, {
    config,
    logic: (context) => bot.run(context),
    storage,
    log: silent,
    auth: { endpoints, credentialsFactory: fixedTokenCredentials(APP_ID) },
  });
  accepting = await serve(acceptingApp);
});

afterAll(async () => {
  consoleError.mockRestore();
  for (const { server } of [strict, accepting]) {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  await issuer.close();
  await connector.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('/api/messages with MicrosoftAppId: refused requests', () => {
  const forgedKey = newRsaKey().privateKey;
  const cases: Array<[string, (activityServiceUrl: string) => Record<string, string>]> = [
    ['no Authorization header', () => ({})],
    ['a Basic Authorization header', () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
    ['a bearer that is not a JWT', () => bearer('not-a-jwt')],
    ['a JWT signed with another key (forged)', (url) => bearer(issuer.token(channelClaims(APP_ID, url, issuer.issuer), { key: forgedKey }))],
    ['a JWT with alg none', (url) => bearer(issuer.token(channelClaims(APP_ID, url, issuer.issuer), { alg: 'none' }))],
    ['a JWT from another issuer', (url) => bearer(issuer.token(channelClaims(APP_ID, url, 'https://evil.example')))],
    ['a JWT for another bot', (url) => bearer(issuer.token(channelClaims(OTHER_APP_ID, url, issuer.issuer)))],
    ['a JWT for another serviceUrl', () => bearer(issuer.token(channelClaims(APP_ID, 'https://smba.trafficmanager.net/uk/', issuer.issuer)))],
    [
      'an expired JWT',
      (url) => bearer(issuer.token(channelClaims(APP_ID, url, issuer.issuer, { iat: 1_600_000_000, nbf: 1_600_000_000, exp: 1_600_003_600 }))),
    ],
    ['a JWT signed with an unknown key id', (url) => bearer(issuer.token(channelClaims(APP_ID, url, issuer.issuer), { key: forgedKey, kid: 'other-key' }))],
  ];

  it.each(cases)('%s → 401, nothing processed', async (_name, headers) => {
    const activity = teamsFixture('personal-message', connector.url, APP_ID);
    for (const base of [strict.base, accepting.base]) {
      const before = connector.replies.length;
      const response = await postActivity(base, activity, headers(connector.url));
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: { code: 'Unauthorized' } });
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(connector.replies.length).toBe(before);
    }
  });

  it('refuses a token whose key is not endorsed for the activity channel', async () => {
    const activity = { ...teamsFixture('personal-message', connector.url, APP_ID), channelId: 'webchat' };
    const response = await postActivity(accepting.base, activity, bearer(issuer.token(channelClaims(APP_ID, connector.url, issuer.issuer))));
    expect(response.status).toBe(401);
    expect(connector.replies).toHaveLength(0);
  });

  it('still says 400 for a body that is not JSON (with a token), and runs nothing', async () => {
    const response = await postActivity(accepting.base, '{"type":', bearer(issuer.token(channelClaims(APP_ID, connector.url, issuer.issuer))));
    expect(response.status).toBe(400);
    expect(connector.replies).toHaveLength(0);
  });

});

describe('/api/messages with MicrosoftAppId: Teams activities with a valid token', () => {
  const token = () => issuer.token(channelClaims(APP_ID, connector.url, issuer.issuer));

  it('answers a personal-chat message from Teams with the real bot, posting back with its own token', async () => {
    const activity = teamsFixture('personal-message', connector.url, APP_ID);
    expect(activity.channelId).toBe('msteams');
    expect(activity.conversation.conversationType).toBe('personal');
    expect((activity.channelData as { tenant: { id: string } }).tenant.id).toMatch(/^[0-9a-f-]{36}$/);

    const response = await postActivity(accepting.base, activity, bearer(token()));
    expect(response.status).toBe(200);
    const replies = connector.replies.filter((r) => r.conversationId === activity.conversation.id);
    const { replies: composer } = core();
    expect(replies.map((r) => r.activity.text?.split('\n')[0])).toEqual([
      composer.welcome('generic').text.split('\n')[0],
      composer.answer('appeal-deadline', 'generic').text.split('\n')[0],
    ]);
    for (const reply of replies) {
      expect(reply.replyToId).toBe(activity.id);
      expect(reply.authorization).toBe(`Bearer ${BOT_TOKEN}`);
      expect(reply.activity.channelId).toBe('msteams');
      expect(reply.activity.from?.id).toBe(`28:${APP_ID}`);
      expect(reply.activity.recipient?.id).toBe(activity.from.id);
      expect(reply.activity.conversation?.id).toBe(activity.conversation.id);
      expect(reply.activity.textFormat).toBe('markdown');
    }
    // The answer's follow-ups travel as Teams renders them (suggested actions or a card).
    const answer = replies[1]!.activity;
    expect(Boolean(answer.suggestedActions?.actions?.length) || Boolean(answer.attachments?.length)).toBe(true);
  });

  it('welcomes a person who installs the app in personal scope', async () => {
    const install = teamsFixture('personal-install', connector.url, APP_ID);
    install.conversation.id = 'a:personal-install-conversation';
    const response = await postActivity(accepting.base, install, bearer(token()));
    expect(response.status).toBe(200);
    const replies = connector.replies.filter((r) => r.conversationId === install.conversation.id);
    expect(replies.map((r) => r.activity.text)).toEqual([core().replies.welcome('generic').text]);
  });

  it('answers a channel message that @mentions the bot, without the mention getting in the way', async () => {
    const activity = teamsFixture('channel-mention', connector.url, APP_ID);
    expect(activity.text).toMatch(/^<at>/);
    const response = await postActivity(accepting.base, activity, bearer(token()));
    expect(response.status).toBe(200);
    const replies = connector.replies.filter((r) => r.conversationId === activity.conversation.id);
    expect(replies.at(-1)!.activity.text?.split('\n')[0]).toBe(core().replies.answer('mediation', 'generic').text.split('\n')[0]);
  });

  it('runs a redelivered Teams message once', async () => {
    const activity = teamsFixture('personal-message', connector.url, APP_ID);
    activity.conversation.id = 'a:redelivery-conversation';
    activity.id = '1713210599999';
    expect((await postActivity(accepting.base, activity, bearer(token()))).status).toBe(200);
    const count = connector.replies.filter((r) => r.conversationId === activity.conversation.id).length;
    expect(count).toBeGreaterThan(0);
    expect((await postActivity(accepting.base, activity, bearer(token()))).status).toBe(200);
    expect(connector.replies.filter((r) => r.conversationId === activity.conversation.id)).toHaveLength(count);
  });

  it('fetched the signing keys from the configured issuer, not the internet', () => {
    expect(issuer.fetches()).toBeGreaterThan(0);
  });

  it('printed nothing a person typed, even through botbuilder\'s own console output', () => {
    const printed = consoleError.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
    expect(printed).not.toContain('How long do I have to appeal');
    expect(printed).not.toContain('What is mediation');
  });
});
