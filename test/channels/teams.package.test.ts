import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync, inflateSync } from 'node:zlib';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/channels/teams/png';
import {
  SAMPLE_COMMANDS,
  TEAMS_MANIFEST_SCHEMA,
  TEAMS_MANIFEST_VERSION,
  TeamsSettingsError,
  defaultTeamsAppId,
  teamsAppSettingsFrom,
  uuidV5,
} from '../../src/channels/teams/manifest';
import { buildTeamsPackage, type TeamsAppPackage } from '../../src/channels/teams/package';
import { testAdapter, textOf, core } from '../helpers/testBot';

/**
 * The Teams app package: its manifest validated against Microsoft's Teams manifest JSON schema
 * (the copy shipped in the @microsoft/app-manifest package, checked with ajv's draft-04 validator
 * as that package does), the zip read back by parsing its central directory, and the icons'
 * PNG headers and pixels read back from the zip.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BOT_ID = '0a1b2c3d-1111-4222-8333-444455556666';
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function teamsSchema(): object {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  const file = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${TEAMS_MANIFEST_VERSION}/MicrosoftTeams.schema.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as object;
}

function validator() {
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  addFormats(ajv, ['uri', 'email', 'regex']);
  return ajv.compile(teamsSchema());
}

// ---- A zip reader written from the format (APPNOTE.TXT): end of central directory → entries. ----

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  data: Buffer;
}

function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const count = zip.readUInt16LE(eocd + 10);
  const directorySize = zip.readUInt32LE(eocd + 12);
  let at = zip.readUInt32LE(eocd + 16);
  expect(at + directorySize).toBe(eocd);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    const localNameLength = zip.readUInt16LE(localOffset + 26);
    const localExtraLength = zip.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + localNameLength + localExtraLength;
    const raw = zip.subarray(start, start + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    entries.push({ name, method, crc, compressedSize, size, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

// ---- A PNG reader: chunks with their CRCs, IHDR, and the pixels (filter 0 rows only). ----

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlace: number;
  chunkTypes: string[];
  rows: Buffer[];
}

function readPng(file: Buffer): Png {
  expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  const chunkTypes: string[] = [];
  let header: Buffer | undefined;
  const idat: Buffer[] = [];
  while (at < file.length) {
    const length = file.readUInt32BE(at);
    const type = file.subarray(at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    expect(file.readUInt32BE(at + 8 + length)).toBe(crc32(type, data));
    chunkTypes.push(type.toString('ascii'));
    if (type.toString('ascii') === 'IHDR') header = data;
    if (type.toString('ascii') === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  expect(header).toBeDefined();
  const width = header!.readUInt32BE(0);
  const height = header!.readUInt32BE(4);
  const colourType = header![9]!;
  const channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe((stride + 1) * height);
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0);
    rows.push(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
  }
  return { width, height, bitDepth: header![8]!, colourType, interlace: header![12]!, chunkTypes, rows };
}

let built: TeamsAppPackage;
let entries: ZipEntry[];

beforeAll(async () => {
  const settings = teamsAppSettingsFrom(
    { MicrosoftAppId: BOT_ID, PUBLIC_BASE_URL: 'https://send-assistant.derby.gov.uk', TEAMS_DEVELOPER_NAME: 'Derby City Council' },
    VERSION,
  );
  built = await buildTeamsPackage(settings);
  entries = readZip(built.zip);
});

describe('the Teams app manifest', () => {
  it(`is valid against the Teams manifest schema v${TEAMS_MANIFEST_VERSION} (from @microsoft/app-manifest)`, () => {
    const validate = validator();
    const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.data.toString('utf8')) as Record<string, unknown>;
    expect(validate(manifest), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the schema check is not a rubber stamp', () => {
    const validate = validator();
    const manifest = structuredClone(built.manifest) as Record<string, any>;
    expect(validate({ ...manifest, id: 'not-a-guid' })).toBe(false);
    expect(validate({ ...manifest, accentColor: 'blue' })).toBe(false);
    expect(validate({ ...manifest, developer: { ...manifest.developer, privacyUrl: 'ftp://x' } })).toBe(false);
    expect(validate({ ...manifest, name: { short: 'x'.repeat(31) } })).toBe(false);
    const { icons: _icons, ...withoutIcons } = manifest;
    expect(validate(withoutIcons)).toBe(false);
  });

  it('says what the brief asks: schema, versions, ids, developer, names, bot, scopes, commands, domains', () => {
    const m = built.manifest as Record<string, any>;
    expect(m.$schema).toBe(TEAMS_MANIFEST_SCHEMA);
    expect(m.manifestVersion).toBe(TEAMS_MANIFEST_VERSION);
    expect(m.version).toBe(VERSION);
    expect(m.id).toBe(defaultTeamsAppId(BOT_ID));
    expect(m.id).not.toBe(BOT_ID);
    expect(m.developer).toEqual({
      name: 'Derby City Council',
      websiteUrl: 'https://www.council.example/send-advice',
      privacyUrl: 'https://www.council.example/privacy',
      termsOfUseUrl: 'https://www.council.example/terms',
    });
    expect(m.name.short.length).toBeLessThanOrEqual(30);
    expect(m.description.short.length).toBeLessThanOrEqual(80);
    expect(m.description.full.length).toBeGreaterThan(m.description.short.length);
    expect(m.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    expect(m.accentColor).toMatch(/^#[0-9A-F]{6}$/);
    expect(m.bots).toHaveLength(1);
    expect(m.bots[0].botId).toBe(BOT_ID);
    expect(m.bots[0].scopes).toEqual(['personal', 'team']);
    expect(m.bots[0].commandLists[0].commands.length).toBeGreaterThanOrEqual(3);
    expect(m.validDomains).toEqual(['send-assistant.derby.gov.uk']);
  });

  it('offers sample questions the real bot answers in Teams', async () => {
    const notUnderstood = core().replies.notUnderstood().text;
    for (const command of SAMPLE_COMMANDS) {
      const adapter = testAdapter('msteams', 'generic');
      await adapter.send(command.title);
      const texts: string[] = [];
      for (let activity = adapter.activeQueue.shift(); activity; activity = adapter.activeQueue.shift()) texts.push(textOf(activity));
      expect(texts.length, command.title).toBeGreaterThanOrEqual(2);
      expect(texts.at(-1), command.title).not.toBe(notUnderstood);
    }
  });
});

describe('the Teams app id', () => {
  it('is UUID v5 (checked against the RFC example: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is the same for the same bot, different for another, and TEAMS_APP_ID wins', () => {
    expect(defaultTeamsAppId(BOT_ID)).toBe(defaultTeamsAppId(BOT_ID.toUpperCase()));
    expect(defaultTeamsAppId(BOT_ID)).not.toBe(defaultTeamsAppId('9f8e7d6c-5555-4444-8333-222211110000'));
    const chosen = 'c7a3e1f2-0b4d-4e5f-8a6b-7c8d9e0f1a2b';
    expect(teamsAppSettingsFrom({ MicrosoftAppId: BOT_ID, TEAMS_APP_ID: chosen }, VERSION).appId).toBe(chosen);
  });
});

describe('the package settings', () => {
  it.each([
    [{}, /MicrosoftAppId: required/],
    [{ MicrosoftAppId: 'send-assistant' }, /MicrosoftAppId: must be/],
    [{ MicrosoftAppId: BOT_ID, TEAMS_APP_ID: '1234' }, /TEAMS_APP_ID: must be a GUID/],
    [{ MicrosoftAppId: BOT_ID, TEAMS_PRIVACY_URL: 'http://www.derby.gov.uk/privacy' }, /TEAMS_PRIVACY_URL: must be an https URL/],
    [{ MicrosoftAppId: BOT_ID, TEAMS_ACCENT_COLOR: 'blue' }, /TEAMS_ACCENT_COLOR/],
    [{ MicrosoftAppId: BOT_ID, TEAMS_APP_NAME: 'A name much too long for the Teams app bar' }, /TEAMS_APP_NAME: must be at most 30/],
  ])('%j is refused naming the setting', (env, message) => {
    expect(() => teamsAppSettingsFrom(env, VERSION)).toThrow(TeamsSettingsError);
    expect(() => teamsAppSettingsFrom(env, VERSION)).toThrow(message);
  });

  it('lists the placeholders left in', () => {
    expect(teamsAppSettingsFrom({ MicrosoftAppId: BOT_ID }, VERSION).placeholders).toEqual([
      'TEAMS_DEVELOPER_NAME',
      'TEAMS_WEBSITE_URL',
      'TEAMS_PRIVACY_URL',
      'TEAMS_TERMS_URL',
    ]);
  });
});

describe('the zip', () => {
  it('holds manifest.json and the two icons at its root, deflated, with matching sizes and CRCs', () => {
    expect(entries.map((e) => e.name).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    for (const entry of entries) {
      expect(entry.name).not.toContain('/');
      expect(entry.method).toBe(8);
      expect(entry.data.length).toBe(entry.size);
      expect(crc32(entry.data)).toBe(entry.crc);
      expect(entry.data).toEqual(built.files.get(entry.name));
    }
  });

  it('comes out the same for the same settings', async () => {
    const again = await buildTeamsPackage(teamsAppSettingsFrom(
      { MicrosoftAppId: BOT_ID, PUBLIC_BASE_URL: 'https://send-assistant.derby.gov.uk', TEAMS_DEVELOPER_NAME: 'Derby City Council' },
      VERSION,
    ));
    expect(again.zip.equals(built.zip)).toBe(true);
  });
});

describe('the icons, read back from the zip', () => {
  it('color.png is 192×192, 8-bit truecolour, on the accent colour', () => {
    const png = readPng(entries.find((e) => e.name === 'color.png')!.data);
    expect([png.width, png.height, png.bitDepth, png.colourType, png.interlace]).toEqual([192, 192, 8, 2, 0]);
    expect(png.chunkTypes).toEqual(['IHDR', 'IDAT', 'IEND']);
    const accent = (built.manifest.accentColor as string).slice(1);
    expect(png.rows[0]!.subarray(0, 3).toString('hex').toUpperCase()).toBe(accent);
    expect(png.rows[191]!.subarray(191 * 3, 192 * 3).toString('hex').toUpperCase()).toBe(accent);
    // The white symbol is there, within the central 120×120.
    let white = 0;
    png.rows.forEach((row, y) => {
      for (let x = 0; x < 192; x++) {
        if (row[x * 3] === 255 && row[x * 3 + 1] === 255 && row[x * 3 + 2] === 255) {
          white++;
          expect(x >= 36 && x < 156 && y >= 36 && y < 156).toBe(true);
        }
      }
    });
    expect(white).toBeGreaterThan(2000);
  });

  it('outline.png is 32×32 RGBA, white on transparent and nothing else', () => {
    const png = readPng(entries.find((e) => e.name === 'outline.png')!.data);
    expect([png.width, png.height, png.bitDepth, png.colourType, png.interlace]).toEqual([32, 32, 8, 6, 0]);
    let opaque = 0;
    let transparent = 0;
    for (const row of png.rows) {
      for (let x = 0; x < 32; x++) {
        const [r, g, b, a] = [row[x * 4]!, row[x * 4 + 1]!, row[x * 4 + 2]!, row[x * 4 + 3]!];
        if (a === 0) transparent++;
        else {
          expect([r, g, b, a]).toEqual([255, 255, 255, 255]);
          opaque++;
        }
      }
    }
    expect(opaque).toBeGreaterThan(100);
    expect(transparent).toBeGreaterThan(opaque);
    // Transparent at the corners: the background is see-through.
    expect(png.rows[0]![3]).toBe(0);
    expect(png.rows[31]![31 * 4 + 3]).toBe(0);
  });
});

describe('npm run teams:package', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'send-teams-package-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const run = (env: Record<string, string>, target: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/teamsPackage.ts', '--out', target], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('writes the zip for a bot', () => {
    const target = path.join(out, 'teams-app.zip');
    const result = run({ MicrosoftAppId: BOT_ID, PUBLIC_BASE_URL: 'https://send-assistant.derby.gov.uk' }, target);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Teams app package written/);
    expect(result.stderr).toMatch(/placeholders/);
    const manifest = JSON.parse(readZip(readFileSync(target)).find((e) => e.name === 'manifest.json')!.data.toString('utf8')) as {
      bots: Array<{ botId: string }>;
    };
    expect(manifest.bots[0]!.botId).toBe(BOT_ID);
  }, 30_000);

  it('fails with a clear message without MicrosoftAppId, and writes nothing', () => {
    const target = path.join(out, 'none.zip');
    const result = run({}, target);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Cannot build the Teams app package: .*\n {2}MicrosoftAppId: required/m);
    expect(existsSync(target)).toBe(false);
  }, 30_000);
});
