import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The Teams app manifest for the assistant's bot. Schema v1.22, the version Microsoft's manifest
 * reference gives as current; `test/channels/teams.package.test.ts` validates the result against
 * that schema as shipped in the `@microsoft/app-manifest` package.
 */
export const TEAMS_MANIFEST_VERSION = '1.22';
export const TEAMS_MANIFEST_SCHEMA = `https://developer.microsoft.com/json-schemas/teams/v${TEAMS_MANIFEST_VERSION}/MicrosoftTeams.schema.json`;

export const COLOR_ICON_FILE = 'color.png';
export const OUTLINE_ICON_FILE = 'outline.png';

/**
 * Fixed namespace for the default Teams app id: UUID v5 of the bot's App ID in this namespace, so
 * the same bot always gets the same app id (Teams treats a new id as a new app) and two councils'
 * bots get different ones. Never change it.
 */
export const TEAMS_APP_ID_NAMESPACE = '6f1c2d0e-5b7a-4c39-9a8e-2f4d1b7c3e95';

/** Placeholders until a council sets its own (they are valid https URLs on a reserved domain). */
export const PLACEHOLDER_DEVELOPER = {
  name: 'Council SEND service',
  websiteUrl: 'https://www.council.example/send-advice',
  privacyUrl: 'https://www.council.example/privacy',
  termsOfUseUrl: 'https://www.council.example/terms',
} as const;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const httpsUrl = (example: string) =>
  z
    .string()
    .url(`must be an https URL such as ${example}`)
    .max(2048)
    .refine((value) => value.startsWith('https://'), `must be an https URL such as ${example}`);

const settingsSchema = z.object({
  MicrosoftAppId: z
    .string({ required_error: "required: the bot's Microsoft App ID (a GUID) from its Azure Bot resource" })
    .trim()
    .regex(GUID, "must be the bot's Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000"),
  TEAMS_APP_ID: z.string().trim().regex(GUID, 'must be a GUID (leave unset for one derived from MicrosoftAppId)').optional(),
  TEAMS_APP_NAME: z.string().trim().min(1).max(30, 'must be at most 30 characters').default('SEND assistant'),
  TEAMS_APP_FULL_NAME: z
    .string()
    .trim()
    .min(1)
    .max(100, 'must be at most 100 characters')
    .default('SEND assistant: help with special educational needs and disabilities'),
  TEAMS_DEVELOPER_NAME: z.string().trim().min(1).max(32, 'must be at most 32 characters').default(PLACEHOLDER_DEVELOPER.name),
  TEAMS_WEBSITE_URL: httpsUrl('https://www.yourcouncil.gov.uk/send').default(PLACEHOLDER_DEVELOPER.websiteUrl),
  TEAMS_PRIVACY_URL: httpsUrl('https://www.yourcouncil.gov.uk/privacy').default(PLACEHOLDER_DEVELOPER.privacyUrl),
  TEAMS_TERMS_URL: httpsUrl('https://www.yourcouncil.gov.uk/terms').default(PLACEHOLDER_DEVELOPER.termsOfUseUrl),
  TEAMS_ACCENT_COLOR: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #1D70B8').default('#1D70B8'),
  PUBLIC_BASE_URL: z.string().url('must be the public https URL of the assistant, e.g. https://assistant.example.gov.uk').optional(),
});

export interface TeamsAppSettings {
  appId: string;
  botId: string;
  /** The app's version: package.json's (Teams wants it raised for every update). */
  version: string;
  shortName: string;
  fullName: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  accentColor: string;
  validDomains: string[];
  /** Settings left at their placeholder values (the script warns about them). */
  placeholders: string[];
}

export class TeamsSettingsError extends Error {
  override readonly name = 'TeamsSettingsError';
}

/** UUID version 5 (RFC 9562: SHA-1 of namespace and name). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The default Teams app id for a bot: stable, and different for every bot. */
export function defaultTeamsAppId(botId: string): string {
  return uuidV5(botId.trim().toLowerCase(), TEAMS_APP_ID_NAMESPACE);
}

/** Reads the package's settings; a missing or wrong one throws naming the setting. */
export function teamsAppSettingsFrom(env: NodeJS.ProcessEnv, version: string): TeamsAppSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = settingsSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new TeamsSettingsError(`Invalid settings for the Teams app package:\n  ${lines.join('\n  ')}`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new TeamsSettingsError(`Invalid settings for the Teams app package:\n  version: package.json's version must be like 1.2.3, not ${version}`);
  }
  const s = result.data;
  const placeholders = (['TEAMS_DEVELOPER_NAME', 'TEAMS_WEBSITE_URL', 'TEAMS_PRIVACY_URL', 'TEAMS_TERMS_URL'] as const).filter(
    (key) => present[key] === undefined,
  );
  const domains = s.PUBLIC_BASE_URL ? [new URL(s.PUBLIC_BASE_URL).hostname] : [];
  return {
    appId: (s.TEAMS_APP_ID ?? defaultTeamsAppId(s.MicrosoftAppId)).toLowerCase(),
    botId: s.MicrosoftAppId.toLowerCase(),
    version,
    shortName: s.TEAMS_APP_NAME,
    fullName: s.TEAMS_APP_FULL_NAME,
    developer: { name: s.TEAMS_DEVELOPER_NAME, websiteUrl: s.TEAMS_WEBSITE_URL, privacyUrl: s.TEAMS_PRIVACY_URL, termsOfUseUrl: s.TEAMS_TERMS_URL },
    accentColor: s.TEAMS_ACCENT_COLOR.toUpperCase(),
    validDomains: domains,
    placeholders,
  };
}

/**
 * Sample questions Teams offers in the compose box ("What can I ask?"). Pressing one sends its
 * title as the person's message; each is one the assistant answers (a test runs them through the
 * real bot).
 */
export const SAMPLE_COMMANDS = [
  { title: 'How do I ask for an assessment?', description: 'Asking the council for an EHC needs assessment' },
  { title: 'How long do I have to appeal?', description: 'Deadlines for appealing to the SEND Tribunal' },
  { title: 'What is mediation?', description: 'What SEND mediation is and when you need it' },
  { title: 'How do I make a complaint?', description: 'Complaints about a school, college, council or health service' },
  { title: 'What is SENDIASS?', description: 'Free, impartial advice about SEND for parents and young people' },
] as const;

export const SHORT_DESCRIPTION = 'Answers questions about SEND support, EHC plans, disagreements and deadlines.';

export const FULL_DESCRIPTION = [
  "Ask about support for a child or young person with special educational needs and disabilities (SEND): Education, Health and Care (EHC) needs assessments and plans, talking to the school, mediation, disagreement resolution, complaints and appeals to the SEND Tribunal.",
  'The assistant explains the options in plain English, works out the deadlines that apply, says where each answer comes from, and puts you in touch with a person when you need one.',
  "It gives general information, not legal advice. Please don't share names, addresses, dates of birth or other personal details in the chat.",
].join(' ');

/** The manifest object (manifest.json in the package). */
export function buildManifest(settings: TeamsAppSettings): Record<string, unknown> {
  return {
    $schema: TEAMS_MANIFEST_SCHEMA,
    manifestVersion: TEAMS_MANIFEST_VERSION,
    version: settings.version,
    id: settings.appId,
    developer: { ...settings.developer },
    name: { short: settings.shortName, full: settings.fullName },
    description: { short: SHORT_DESCRIPTION, full: FULL_DESCRIPTION },
    icons: { color: COLOR_ICON_FILE, outline: OUTLINE_ICON_FILE },
    accentColor: settings.accentColor,
    bots: [
      {
        botId: settings.botId,
        scopes: ['personal', 'team'],
        isNotificationOnly: false,
        supportsFiles: false,
        supportsCalling: false,
        supportsVideo: false,
        commandLists: [
          { scopes: ['personal', 'team'], commands: SAMPLE_COMMANDS.map((c) => ({ title: c.title, description: c.description })) },
        ],
      },
    ],
    validDomains: settings.validDomains,
    defaultInstallScope: 'personal',
  };
}
