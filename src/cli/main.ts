// The coupond command line (docs/api.md §1): serve, migrate, org create, client create, client revoke.
// Configuration comes from the environment (config.ts); flags name what each command acts on.
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { clientCreate, clientRevoke, migrate, orgCreate, orgUpdate } from './commands/admin.js';
import { serve } from './commands/serve.js';

const USAGE = `usage:
  coupond serve
  coupond migrate
  coupond org create --name NAME [--timezone Area/City] [--mobile-country-code 91]
  coupond org update --org ID [--name NAME] [--timezone Area/City] [--mobile-country-code 91] [--sms-webhook-url URL]
  coupond client create --org ID [--till TILL] [--scopes read,write,upload,admin]
  coupond client revoke KEY`;

function fail(message: string): never {
  process.stderr.write(`coupond: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      timezone: { type: 'string' },
      'mobile-country-code': { type: 'string' },
      org: { type: 'string' },
      till: { type: 'string' },
      scopes: { type: 'string' },
      'sms-webhook-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    fail((e as Error).message);
  }
  const [command = 'serve', sub, arg] = positionals;
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'serve':
      return serve(config);
    case 'migrate':
      return migrate(config);
    case 'org create':
      if (!values.name) fail('org create needs --name');
      return orgCreate(config, {
        name: values.name,
        timezone: values.timezone,
        mobileCountryCode: values['mobile-country-code'],
      });
    case 'org update': {
      const org = Number(values.org);
      if (!values.org || !Number.isSafeInteger(org) || org <= 0) fail('org update needs --org ID');
      return orgUpdate(config, org, {
        name: values.name,
        timezone: values.timezone,
        mobileCountryCode: values['mobile-country-code'],
        smsWebhookUrl: values['sms-webhook-url'],
      });
    }
    case 'client create': {
      const org = Number(values.org);
      if (!values.org || !Number.isSafeInteger(org) || org <= 0) fail('client create needs --org ID');
      return clientCreate(config, { orgId: org, tillId: values.till, scopes: values.scopes });
    }
    case 'client revoke':
      if (!arg) fail('client revoke needs the client key');
      return clientRevoke(config, arg);
    default:
      fail(`unknown command: ${positionals.join(' ')}`);
  }
}

run(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`coupond: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
