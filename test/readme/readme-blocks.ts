// Reads the shell examples out of README.md for the README test, with the directives that tell the test
// how to run them: an HTML comment right before a block (invisible on the rendered page), e.g.
//   <!-- readme-test: skip: why -->                         not run (installs, the test suite itself)
//   <!-- readme-test: server on PostgreSQL -->              starts a server: run it, wait until ready, stop
//   <!-- readme-test: wait for the upload jobs of $SERIES --> first wait until the series' uploads are done

export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The heading the block sits under. */
  heading: string;
  code: string;
  directive: Directive;
}

export type Directive =
  | { kind: 'run' }
  | { kind: 'skip'; reason: string }
  | { kind: 'server'; database: 'postgres' }
  | { kind: 'wait-uploads'; variable: string };

function parseDirective(text: string, line: number): Directive {
  const skip = /^skip: (.+)$/.exec(text);
  if (skip) return { kind: 'skip', reason: skip[1]! };
  if (text === 'server on PostgreSQL') return { kind: 'server', database: 'postgres' };
  const wait = /^wait for the upload jobs of \$([A-Z_][A-Z0-9_]*)$/.exec(text);
  if (wait) return { kind: 'wait-uploads', variable: wait[1]! };
  throw new Error(`README.md:${line}: unknown readme-test directive "${text}"`);
}

/** Every ```sh block of the markdown, in order. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  let heading = '(top)';
  let pending: Directive | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*```(\S*)/.exec(line);
    if (fence) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]!); i++) body.push(lines[i]!);
      if (i >= lines.length) throw new Error(`README.md:${start + 1}: a code block is never closed`);
      if (fence[1] === 'sh' || fence[1] === 'bash' || fence[1] === 'shell') {
        blocks.push({
          line: start + 1,
          heading,
          code: body.join('\n'),
          directive: pending ?? { kind: 'run' },
        });
      } else if (pending) {
        throw new Error(`README.md:${start + 1}: a readme-test directive before a ${fence[1]} block`);
      }
      pending = undefined;
      continue;
    }
    const directive = /^<!-- readme-test: (.+) -->$/.exec(line);
    if (directive) {
      pending = parseDirective(directive[1]!, i + 1);
      continue;
    }
    const h = /^#+ (.+)$/.exec(line);
    if (h) heading = h[1]!;
    if (line.trim() !== '' && pending) {
      throw new Error(`README.md:${i + 1}: a readme-test directive must come right before its block`);
    }
  }
  return blocks;
}
