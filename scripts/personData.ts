/**
 * One person's data, for subject access and erasure requests (UK GDPR).
 *
 *   npm run --silent data:export -- <conversation-or-user-id>            # JSON on stdout
 *   npm run --silent data:export -- --sms +447700900123 --tenant derby   # an SMS conversation
 *   npm run data:delete -- <conversation-or-user-id> --yes               # deletes, prints counts
 *
 * Uses the same store as the assistant: DATABASE_URL (PostgreSQL) or the SQLite file in DATA_DIR.
 * A web chat conversation id is shown to advisers and in the transcript; an SMS conversation is
 * found from the phone number and the council, with the same SMS_ID_SECRET the server uses.
 * Deleting needs --yes, so nothing is deleted by a slip.
 */
import { loadConfig } from '../src/config';
import { fallbackIdSecret, SmsIds } from '../src/channels/sms/ids';
import { createStore } from '../src/store/store';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: data:export|data:delete -- <id> | --sms <+44…> --tenant <council> [--yes]\n`);
  process.exit(2);
}

function subjectFrom(args: string[], config: ReturnType<typeof loadConfig>): string {
  const sms = args.indexOf('--sms');
  if (sms === -1) {
    const id = args.find((a) => !a.startsWith('--'));
    if (!id) usage('Name the conversation or user id.');
    return id;
  }
  const number = args[sms + 1];
  const tenant = args[args.indexOf('--tenant') + 1];
  if (!number || !/^\+\d{8,15}$/.test(number)) usage('--sms needs an E.164 number such as +447700900123.');
  if (args.indexOf('--tenant') === -1 || !tenant) usage('--sms needs --tenant, the council the person texted.');
  const secret = config.SMS_ID_SECRET ?? (config.TWILIO_ACCOUNT_SID ? fallbackIdSecret(config.TWILIO_ACCOUNT_SID) : undefined);
  if (!secret) usage('SMS ids need SMS_ID_SECRET (or TWILIO_ACCOUNT_SID) as the server has it.');
  return new SmsIds(secret).conversationId(tenant, number);
}

async function main(): Promise<void> {
  const [action, ...args] = process.argv.slice(2);
  if (action !== 'export' && action !== 'delete') usage('Say export or delete.');
  const config = loadConfig();
  const subject = subjectFrom(args, config);
  const store = await createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, schema: config.DATABASE_SCHEMA });
  try {
    if (action === 'export') {
      process.stdout.write(`${JSON.stringify(await store.exportPerson(subject), null, 2)}\n`);
      return;
    }
    if (!args.includes('--yes')) usage('Deleting needs --yes.');
    const counts = await store.deletePerson(subject);
    process.stdout.write(`Deleted: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed: ${error instanceof Error ? error.name : 'unknown error'}\n`);
  process.exit(1);
});
