// Random coupon codes (docs/api.md §5): prefix + a uniformly random part from the series' alphabet + suffix.
import { randomBytes } from 'node:crypto';
import { codeAlphabet, type CodeFormat } from './series.js';

/** A source of random bytes; production uses the CSPRNG, tests pass a deterministic fake. */
export type RandomBytes = (size: number) => Uint8Array;

const defaultRandom: RandomBytes = (size) => randomBytes(size);

/**
 * Bytes drawn per refill by a bulk generator. 64 KiB is ~8,000 eight-character codes per CSPRNG call, so the
 * call overhead vanishes; much smaller makes a million-code upload pay for ~1e5 calls, much larger only
 * wastes memory on generators that make a handful of codes.
 */
const BULK_CHUNK = 64 * 1024;

/**
 * A broken injected source (one that only returns rejectable bytes) would otherwise loop for ever. The
 * worst alphabet rejects 8 of 256 byte values, so a real CSPRNG trips this with probability 2^-5000.
 */
const MAX_CONSECUTIVE_REJECTS = 1000;

/**
 * byte → index into the alphabet, or -1 when the byte must be rejected. Only the bytes below the largest
 * multiple of the alphabet size are kept, so every character is equally likely (no modulo bias).
 */
function byteTable(alphabetSize: number): Int16Array {
  if (alphabetSize < 2 || alphabetSize > 256) throw new RangeError(`alphabet of ${alphabetSize} characters`);
  const accepted = 256 - (256 % alphabetSize);
  const table = new Int16Array(256).fill(-1);
  for (let b = 0; b < accepted; b++) table[b] = b % alphabetSize;
  return table;
}

interface Alphabet {
  chars: readonly string[];
  table: Int16Array;
}

// Only four alphabets exist (digits or alphanumeric, with or without look-alikes); caching them keeps a
// single generateCode call from rebuilding its table.
const alphabets = new Map<string, Alphabet>();

function alphabetFor(format: CodeFormat): Alphabet {
  const text = codeAlphabet(format);
  let found = alphabets.get(text);
  if (!found) {
    const chars = [...text];
    found = { chars, table: byteTable(chars.length) };
    alphabets.set(text, found);
  }
  return found;
}

function makeGenerator(format: CodeFormat, random: RandomBytes, chunk: (length: number) => number) {
  if (!Number.isSafeInteger(format.length) || format.length < 1) {
    throw new RangeError(`code length must be a positive integer, got ${format.length}`);
  }
  const { chars: alphabet, table } = alphabetFor(format);
  const head = format.prefixEnabled ? format.prefix : '';
  const tail = format.suffixEnabled ? format.suffix : '';
  const length = format.length;
  let buffer: Uint8Array = new Uint8Array(0);
  let pos = 0;

  return (): string => {
    let part = '';
    let rejects = 0;
    while (part.length < length) {
      if (pos >= buffer.length) {
        buffer = random(chunk(length - part.length));
        pos = 0;
        if (buffer.length === 0) throw new Error('random source returned no bytes');
      }
      const index = table[buffer[pos++]!]!;
      if (index < 0) {
        if (++rejects > MAX_CONSECUTIVE_REJECTS)
          throw new Error('random source returned only rejected bytes');
        continue;
      }
      rejects = 0;
      part += alphabet[index];
    }
    return head + part + tail;
  };
}

/**
 * Makes a code generator for bulk use: it refills a large buffer from `random` and returns one new code per
 * call. Codes are not checked for uniqueness; the caller's unique index decides.
 * @example
 * const next = createCodeGenerator(series.code);
 * const codes = Array.from({ length: 1000 }, next);
 */
export function createCodeGenerator(format: CodeFormat, random: RandomBytes = defaultRandom): () => string {
  return makeGenerator(format, random, () => BULK_CHUNK);
}

/** Generates one code in `format`, drawing only the bytes it needs from `random` (a CSPRNG by default). */
export function generateCode(format: CodeFormat, random: RandomBytes = defaultRandom): string {
  // A few bytes over the need covers the expected rejections (at most 8 of 256) in one draw almost always.
  return makeGenerator(format, random, (missing) => missing + 4)();
}
