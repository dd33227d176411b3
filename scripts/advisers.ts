/**
 * Adviser console accounts and API tokens.
 *
 *   npm run advisers -- add <username> --name "Sam Jones" --role adviser --tenant derby [--tenant milton-keynes] [--replace]
 *   npm run advisers -- add <username> --name "Head of SEND" --role manager --all-tenants
 *   npm run advisers -- list
 *   npm run advisers -- remove <username>
 *   npm run advisers -- token <id> --name "Derby duty desk" --role adviser --tenant derby
 *
 * `add` asks for the password twice without showing it (at least 12 characters), or reads it from
 * ADVISER_PASSWORD (for automation), or from the first line of standard input when that is not a
 * terminal. Only a bcrypt hash is stored. `add` of an existing username needs --replace (which sets
 * a new password too). Councils are named with --tenant (one or more) or --all-tenants: there is no
 * default, so nobody gets every council by accident.
 *
 * `token` stores nothing: it prints a new random token, to give its user once, and the
 * ADVISER_TOKENS entry (with the token's SHA-256, not the token) to add to the server's settings.
 *
 * Uses the same store as the server: DATABASE_URL (PostgreSQL) or the SQLite file in DATA_DIR.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { hashPassword, normaliseUsername, passwordProblem } from '../src/advisers/accounts';
import { adviserTokenEntry, newAdviserToken, TENANT_PATTERN } from '../src/advisers/tokens';
import { loadConfig, type Config } from '../src/config';
import { configureLog } from '../src/log';
import { createStore } from '../src/store/store';

const USAGE = `usage:
  npm run advisers -- add <username> --name "Full name" --role adviser|manager (--tenant <council> ... | --all-tenants) [--replace]
  npm run advisers -- list
  npm run advisers -- remove <username>
  npm run advisers -- token <id> --name "Name" --role adviser|manager (--tenant <council> ... | --all-tenants)`;

class UsageError extends Error {}

interface Options {
  positional: string[];
  name?: string;
  role?: string;
  tenants: string[];
  allTenants: boolean;
  replace: boolean;
}

function parseArgs(args: string[]): Options {
  const options: Options = { positional: [], tenants: [], allTenants: false, replace: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const value = (): string => {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value.`);
      i += 1;
      return next;
    };
    if (arg === '--name') options.name = value();
    else if (arg === '--role') options.role = value();
    else if (arg === '--tenant') options.tenants.push(...value().split(',').map((t) => t.trim()).filter(Boolean));
    else if (arg === '--all-tenants') options.allTenants = true;
    else if (arg === '--replace') options.replace = true;
    else if (arg.startsWith('--')) throw new UsageError(`Unknown option ${arg}.`);
    else options.positional.push(arg);
  }
  return options;
}

function who(options: Options, config: Config): { displayName: string; role: 'adviser' | 'manager'; tenants: string[] } {
  const displayName = options.name?.trim() ?? '';
  if (displayName.length < 1 || displayName.length > 80) throw new UsageError('--name is required: the name people see (1 to 80 characters).');
  const role = options.role ?? 'adviser';
  if (role !== 'adviser' && role !== 'manager') throw new UsageError('--role must be adviser or manager.');
  if (options.allTenants && options.tenants.length > 0) throw new UsageError('Give --tenant or --all-tenants, not both.');
  if (!options.allTenants && options.tenants.length === 0) {
    throw new UsageError('Name the councils this adviser works for with --tenant (e.g. --tenant derby), or --all-tenants.');
  }
  for (const tenant of options.tenants) {
    if (!TENANT_PATTERN.test(tenant)) throw new UsageError(`"${tenant}" is not a council id such as derby.`);
    if (!existsSync(path.resolve(config.KNOWLEDGE_DIR, 'tenants', `${tenant}.yaml`))) {
      throw new UsageError(`There is no council "${tenant}" (no ${path.join(config.KNOWLEDGE_DIR, 'tenants', `${tenant}.yaml`)}).`);
    }
  }
  return { displayName, role, tenants: [...new Set(options.tenants)] };
}

/** Reads a line from the terminal without showing it. */
function readHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let value = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new UsageError('Cancelled.'));
        if (char === '\u0004') return done();
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

async function readFirstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function newPassword(): Promise<string> {
  const fromEnv = process.env.ADVISER_PASSWORD;
  let password: string;
  if (fromEnv !== undefined && fromEnv !== '') {
    password = fromEnv;
  } else if (process.stdin.isTTY) {
    password = await readHidden(`Password (at least 12 characters, not shown): `);
    const problem = passwordProblem(password);
    if (problem) throw new UsageError(problem);
    const again = await readHidden('The same password again: ');
    if (again !== password) throw new UsageError('The two passwords are not the same.');
  } else {
    password = await readFirstLine();
  }
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  return password;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = parseArgs(rest);
  const config = loadConfig();
  // The store's own notes (migrations) go to standard error, and only warnings: stdout is the answer.
  configureLog(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, (line) => process.stderr.write(`${line}\n`));

  if (command === 'token') {
    const id = normaliseUsername(options.positional[0] ?? '');
    if (!id) throw new UsageError('token needs an id: lower-case letters, digits, ".", "_" or "-".');
    const { displayName, role, tenants } = who(options, config);
    const { token, sha256 } = newAdviserToken();
    const entry = adviserTokenEntry({ id, name: displayName, role, tenants, sha256 });
    process.stdout.write(
      `Token (give it to its user once; it is not stored anywhere):\n  ${token}\n\n` +
        `Add this entry to ADVISER_TOKENS (comma-separated with any others) and restart the server:\n  ${entry}\n\n` +
        `Use it as: Authorization: Bearer <token>\n`,
    );
    return;
  }

  if (command !== 'add' && command !== 'list' && command !== 'remove') throw new UsageError(`Unknown command "${command}".`);
  const username = command === 'list' ? undefined : normaliseUsername(options.positional[0] ?? '');
  if (command !== 'list' && !username) {
    throw new UsageError(`${command} needs a username: lower-case letters, digits, ".", "_" or "-" (at most 64).`);
  }
  // Everything is checked, and the password read, before the store is opened.
  const details = command === 'add' ? who(options, config) : undefined;
  const password = command === 'add' ? await newPassword() : undefined;

  const store = await createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, schema: config.DATABASE_SCHEMA });
  try {
    if (command === 'list') {
      const advisers = await store.listAdvisers();
      if (advisers.length === 0) {
        process.stdout.write('No adviser accounts. Add one with: npm run advisers -- add <username> --name "Full name" --tenant <council>\n');
        return;
      }
      for (const adviser of advisers) {
        const councils = adviser.tenants.length === 0 ? 'all councils' : adviser.tenants.join(', ');
        const seen = adviser.lastSeenAt ? `last seen ${adviser.lastSeenAt}` : 'never seen';
        const signIn = adviser.passwordHash ? '' : ', no password';
        process.stdout.write(`${adviser.id}\t${adviser.displayName}\t${adviser.role}\t${councils}\t${seen}${signIn}\n`);
      }
      return;
    }
    if (command === 'remove') {
      const removed = await store.deleteAdviser(username!);
      if (!removed) throw new UsageError(`There is no adviser "${username}".`);
      process.stdout.write(`Removed ${username}. Their sessions end at their next request.\n`);
      return;
    }
    const existing = await store.getAdviser(username!);
    if (existing && !options.replace) {
      throw new UsageError(`"${username}" already exists. Add --replace to change their details and password.`);
    }
    const passwordHash = await hashPassword(password!);
    await store.upsertAdviser({ id: username!, displayName: details!.displayName, passwordHash, role: details!.role, tenants: details!.tenants });
    const councils = details!.tenants.length === 0 ? 'all councils' : details!.tenants.join(', ');
    process.stdout.write(
      `${existing ? 'Updated' : 'Added'} ${username} (${details!.role}, ${councils}). They sign in at /advisers.` +
        `${existing ? ' Sessions made with the old password have ended.' : ''}\n`,
    );
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`Failed: ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : 'unknown error'}\n`);
  process.exit(1);
});
