// The coupond command line (docs/api.md §1): finds the command in the table (commands.ts), checks its
// flags, runs it.
// Configuration comes from the environment (config.ts); flags name what each command acts on.
// Usage mistakes print the message and the command's usage and exit 2; failures exit 1.
import { parseArgs } from 'node:util';
import { COMMANDS, UsageError, type Command } from './commands.js';

const name = (c: Command) => c.words.join(' ');

function usageLine(c: Command): string {
  const flags = Object.entries(c.flags).map(([flag, f]) => {
    const text = `--${flag}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    return f.required ? text : `[${text}]`;
  });
  return ['coupond', ...c.words, ...(c.args ?? []), ...flags].join(' ');
}

function commandHelp(c: Command): string {
  const rows = Object.entries(c.flags).map(([flag, f]) => {
    const left = `--${flag}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    return `  ${left.padEnd(34)} ${f.help}${f.required ? ' (required)' : ''}`;
  });
  rows.push(`  ${'--help, -h'.padEnd(34)} this text`);
  return `usage: ${usageLine(c)}\n\n${c.summary}\n\nflags:\n${rows.join('\n')}\n`;
}

function globalHelp(commands: Command[] = COMMANDS): string {
  const lines = commands.map((c) => `  ${usageLine(c)}\n      ${c.summary}`);
  return [
    'usage: coupond COMMAND [flags]',
    '',
    'commands:',
    ...lines,
    '  coupond help [COMMAND]',
    '      this text, or the help of one command (also: coupond COMMAND --help)',
    '',
    'Every command reads its configuration (DATABASE_URL, COUPOND_DATA_DIR, ...) from the environment',
    'as the server does; see "Configuration" in the README.',
    '',
  ].join('\n');
}

/** The command named by the leading words of argv, and the rest of argv. */
function find(argv: string[]): { command?: Command; rest: string[]; group: Command[] } {
  const matches = COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w));
  const command = matches.sort((a, b) => b.words.length - a.words.length)[0];
  if (command) return { command, rest: argv.slice(command.words.length), group: [command] };
  const group = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === argv[0]);
  return { rest: argv, group };
}

class Exit extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
  }
}

function parse(command: Command, rest: string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [flag, f] of Object.entries(command.flags)) options[flag] = { type: f.type };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (e) {
    // node:util's messages end with advice meant for scripts ("To specify a positional argument…").
    throw new UsageError((e as Error).message.split('. To ')[0]!.replace(/\.$/, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) throw new Exit(0, commandHelp(command));
  const wanted = command.args ?? [];
  if (positionals.length > wanted.length) {
    throw new UsageError(`unexpected argument: ${positionals.slice(wanted.length).join(' ')}`);
  }
  if (positionals.length < wanted.length) throw new UsageError(`${name(command)} needs ${wanted.join(' ')}`);
  for (const [flag, f] of Object.entries(command.flags)) {
    const v = values[flag];
    if (f.required && (v === undefined || v === '')) throw new UsageError(`${name(command)} needs --${flag}`);
  }
  return { flags: values as Record<string, string | boolean | undefined>, args: positionals };
}

async function main(argv: string[]): Promise<void> {
  if (argv.length === 0) throw new Exit(2, `coupond: name a command\n\n${globalHelp()}`);
  if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const words = argv.slice(1);
    if (words.length === 0) throw new Exit(0, globalHelp());
    const { command, group } = find(words);
    if (command) throw new Exit(0, commandHelp(command));
    if (group.length > 0) throw new Exit(0, globalHelp(group));
    throw new Exit(2, `coupond: unknown command: ${words.join(' ')}\n\n${globalHelp()}`);
  }
  const { command, rest, group } = find(argv);
  if (!command) {
    if (group.length > 0) {
      const subs = group.map((c) => c.words[1]).join(', ');
      const message = argv[1] ? `unknown command: ${argv.slice(0, 2).join(' ')}` : `${argv[0]} needs one of`;
      throw new Exit(2, `coupond: ${message} (${subs})\n\n${globalHelp(group)}`);
    }
    throw new Exit(2, `coupond: unknown command: ${argv[0]}\n\n${globalHelp()}`);
  }
  try {
    const input = parse(command, rest);
    const { loadConfig } = await import('../config.js');
    const config = () => {
      try {
        return loadConfig();
      } catch (e) {
        throw new UsageError((e as Error).message); // a bad environment variable
      }
    };
    await command.run({ ...input, config });
  } catch (e) {
    if (e instanceof Exit) throw e;
    if (e instanceof UsageError) throw new Exit(2, `coupond: ${e.message}\n\n${commandHelp(command)}`);
    // A start-up stopped by the machine's state (context.ts StartupError): the one line says it all.
    if (e instanceof Error && e.name === 'StartupError') throw new Exit(1, `coupond: ${e.message}\n`);
    const message = e instanceof Error ? e.message : String(e);
    throw new Exit(
      1,
      `coupond: ${message}\nusage: ${usageLine(command)}   (coupond ${name(command)} --help)\n`,
    );
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof Exit) {
    (e.status === 0 ? process.stdout : process.stderr).write(e.text.endsWith('\n') ? e.text : `${e.text}\n`);
    process.exitCode = e.status;
    return;
  }
  process.stderr.write(`coupond: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
