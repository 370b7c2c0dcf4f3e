// The table of `coupond` commands: what each is called, its flags, its help, and how it runs. A command's
// module is imported only when that command runs, so `coupond help` loads nothing but this table (and a
// command such as `org list` never loads the HTTP server). To add a command, add an entry here.
import type { Config } from '../config.js';

export interface Flag {
  type: 'string' | 'boolean';
  /** Shown in the usage line after the flag (string flags): `--org ID`. */
  value?: string;
  help: string;
  required?: boolean;
}

export interface CommandInput {
  flags: Record<string, string | boolean | undefined>;
  /** Positional arguments after the command's words. */
  args: string[];
  /** Reads the configuration from the environment (only commands that need it pay for it). */
  config(): Config;
}

export interface Command {
  /** The words that name it: `['org', 'create']`. */
  words: string[];
  /** Positional arguments, for the usage line: `KEY`. */
  args?: string[];
  summary: string;
  flags: Record<string, Flag>;
  run(input: CommandInput): Promise<void>;
}

/** A mistake in how a command was called: reported with the command's usage, exit status 2. */
export class UsageError extends Error {}

const admin = () => import('./commands/admin.js');

/** A positive integer flag such as --org. */
export function idFlag(input: CommandInput, name: string): number {
  const raw = input.flags[name];
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw) || n <= 0)
    throw new UsageError(`--${name} needs a positive integer id`);
  return n;
}

function text(input: CommandInput, name: string): string | undefined {
  const v = input.flags[name];
  return typeof v === 'string' ? v : undefined;
}

const ORG_SETTINGS: Record<string, Flag> = {
  timezone: { type: 'string', value: 'Area/City', help: "the org's timezone (IANA name; default UTC)" },
  'mobile-country-code': {
    type: 'string',
    value: 'CC',
    help: 'country calling code added to mobiles given without one, e.g. 91',
  },
};

export const COMMANDS: Command[] = [
  {
    words: ['serve'],
    summary: 'run the HTTP server (what `npm start` runs) on HOST:PORT of the environment; migrates first',
    flags: {},
    run: async (input) => (await import('./commands/serve.js')).serve(input.config()),
  },
  {
    words: ['backup'],
    summary:
      'copy the SQLite database to FILE while servers keep serving (a consistent snapshot); PostgreSQL: use pg_dump',
    flags: {
      to: { type: 'string', value: 'FILE', help: 'the new file to write (must not exist)', required: true },
    },
    run: async (input) => (await import('./commands/backup.js')).backup(input.config(), text(input, 'to')!),
  },
  {
    words: ['migrate'],
    summary: 'bring the database schema up to date; prints the migrations it applied',
    flags: {},
    run: async (input) => (await admin()).migrate(input.config()),
  },
  {
    words: ['org', 'create'],
    summary: 'create an org and its first API client (all scopes); prints {"orgId","key","secret"}',
    flags: {
      name: { type: 'string', value: 'NAME', help: "the org's name", required: true },
      ...ORG_SETTINGS,
    },
    run: async (input) =>
      (await admin()).orgCreate(input.config(), {
        name: text(input, 'name')!,
        timezone: text(input, 'timezone'),
        mobileCountryCode: text(input, 'mobile-country-code'),
      }),
  },
  {
    words: ['org', 'update'],
    summary: "change an org's settings (an empty value clears the country code or webhook); prints them",
    flags: {
      org: { type: 'string', value: 'ID', help: 'the org to change', required: true },
      name: { type: 'string', value: 'NAME', help: 'a new name' },
      ...ORG_SETTINGS,
      'sms-webhook-url': { type: 'string', value: 'URL', help: 'where SMS messages are posted' },
    },
    run: async (input) =>
      (await admin()).orgUpdate(input.config(), idFlag(input, 'org'), {
        name: text(input, 'name'),
        timezone: text(input, 'timezone'),
        mobileCountryCode: text(input, 'mobile-country-code'),
        smsWebhookUrl: text(input, 'sms-webhook-url'),
      }),
  },
  {
    words: ['org', 'list'],
    summary: 'list the orgs and their settings, one JSON line each',
    flags: {},
    run: async (input) => (await admin()).orgList(input.config()),
  },
  {
    words: ['client', 'create'],
    summary: 'create another API client of an org; prints {"key","secret"} (the secret only this once)',
    flags: {
      org: { type: 'string', value: 'ID', help: 'the org', required: true },
      till: { type: 'string', value: 'TILL', help: 'the store till this client stands for' },
      scopes: {
        type: 'string',
        value: 'read,write,upload,admin',
        help: 'what it may do (default read,write,upload)',
      },
    },
    run: async (input) =>
      (await admin()).clientCreate(input.config(), {
        orgId: idFlag(input, 'org'),
        tillId: text(input, 'till'),
        scopes: text(input, 'scopes'),
      }),
  },
  {
    words: ['client', 'list'],
    summary: "list an org's API clients (key, till, scopes, dates; never a secret), one JSON line each",
    flags: { org: { type: 'string', value: 'ID', help: 'the org', required: true } },
    run: async (input) => (await admin()).clientList(input.config(), idFlag(input, 'org')),
  },
  {
    words: ['client', 'revoke'],
    args: ['KEY'],
    summary: 'revoke a client: its key, secret and tokens stop working at once',
    flags: {},
    run: async (input) => (await admin()).clientRevoke(input.config(), input.args[0]!),
  },
];
