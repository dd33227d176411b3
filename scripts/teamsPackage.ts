/**
 * npm run teams:package [-- --out path/to/teams-app.zip]
 *
 * Writes the Microsoft Teams app package (default dist/teams-app.zip): manifest.json with the bot's
 * MicrosoftAppId, and the two icons, drawn in code. Settings come from the environment (see
 * .env.example, "Microsoft Teams app package"); MicrosoftAppId is required.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { teamsAppSettingsFrom, TeamsSettingsError } from '../src/channels/teams/manifest';
import { buildTeamsPackage } from '../src/channels/teams/package';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function outPath(argv: string[]): string {
  const at = argv.indexOf('--out');
  if (at === -1) return path.join(ROOT, 'dist', 'teams-app.zip');
  const value = argv[at + 1];
  if (!value) throw new TeamsSettingsError('--out needs a file name, e.g. --out dist/teams-app.zip');
  return path.resolve(value);
}

async function main(): Promise<void> {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const settings = teamsAppSettingsFrom(process.env, version);
  const target = outPath(process.argv.slice(2));
  const built = await buildTeamsPackage(settings);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, built.zip);
  process.stdout.write(
    [
      `Teams app package written: ${path.relative(process.cwd(), target) || target}`,
      `  app id ${settings.appId}${process.env.TEAMS_APP_ID ? '' : ' (derived from MicrosoftAppId; set TEAMS_APP_ID to choose one)'}`,
      `  bot id ${settings.botId}, version ${settings.version}, manifest ${String(built.manifest.manifestVersion)}`,
      settings.validDomains.length > 0 ? `  valid domains ${settings.validDomains.join(', ')}` : '  no valid domains (PUBLIC_BASE_URL is unset)',
      '',
    ].join('\n'),
  );
  if (settings.placeholders.length > 0) {
    process.stderr.write(
      `Warning: ${settings.placeholders.join(', ')} ${settings.placeholders.length === 1 ? 'is' : 'are'} unset, so the manifest has placeholders ` +
        "(www.council.example). Set your council's before uploading the app for people to use.\n",
    );
  }
}

main().catch((error: unknown) => {
  if (error instanceof TeamsSettingsError) {
    process.stderr.write(`Cannot build the Teams app package: ${error.message}\n`);
  } else {
    process.stderr.write(`Cannot build the Teams app package: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
