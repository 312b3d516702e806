/** GNU getopt(3) as the C tools use it: bundled short options, an option's argument attached or next, operands anywhere (argv permutation), `--` ends options. */
import { ok, type Result } from '../result.ts';
import { type Args, toolError, type Word } from './args.ts';
import type { ScenarioError } from './error.ts';

/** One option as given: its letter (or long name) and its argument. */
export interface GivenOption {
  readonly name: string;
  readonly value: Word | undefined;
  readonly word: Word;
}

/** The options in order and the operands. */
export interface Getopt {
  readonly options: readonly GivenOption[];
  readonly operands: readonly Word[];
}

/**
 * Reads the rest of `args`. `withArg` and `noArg` list the short letters; `long` maps long option names to
 * whether they take an argument (exact names only). Messages are glibc's, prefixed with `program`.
 */
export function getopt(args: Args, program: string, withArg: string, noArg: string, long: Record<string, boolean> = {}): Result<Getopt, ScenarioError> {
  const options: GivenOption[] = [];
  const operands: Word[] = [];
  while (!args.done) {
    const w = args.next()!;
    if (w.text === '--') {
      operands.push(...args.rest());
      break;
    }
    if (w.text.startsWith('--') && Object.keys(long).length > 0) {
      const eq = w.text.indexOf('=');
      const name = eq < 0 ? w.text.slice(2) : w.text.slice(2, eq);
      const takes = Object.hasOwn(long, name) ? long[name] : undefined;
      if (takes === undefined) return toolError(w.position, `${program}: unrecognized option '${w.text}'`);
      let value: Word | undefined;
      if (takes) {
        value = eq >= 0 ? { text: w.text.slice(eq + 1), position: w.position } : args.next();
        if (!value) return toolError(w.position, `${program}: option '--${name}' requires an argument`);
      }
      options.push({ name, value, word: w });
      continue;
    }
    if (!w.text.startsWith('-') || w.text === '-') {
      operands.push(w);
      continue;
    }
    for (let k = 1; k < w.text.length; k++) {
      const c = w.text[k]!;
      if (withArg.includes(c)) {
        const value = k + 1 < w.text.length ? { text: w.text.slice(k + 1), position: w.position } : args.next();
        if (!value) return toolError(w.position, `${program}: option requires an argument -- '${c}'`);
        options.push({ name: c, value, word: w });
        break;
      }
      if (!noArg.includes(c)) return toolError(w.position, `${program}: invalid option -- '${c}'`);
      options.push({ name: c, value: undefined, word: w });
    }
  }
  return ok({ options, operands });
}

/**
 * glibc inet_aton(): `a.b.c.d`, `a.b.c` (c fills 16 bits), `a.b` (b fills 24), `a` (32 bits), each part by
 * strtoul(…, 0); how getaddrinfo() reads a numeric host, so `ping 10.1` pings 10.0.0.1.
 */
export function inetAton(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => !/^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(p))) return undefined;
  const values = parts.map((p) => (/^0[xX]/.test(p) ? parseInt(p.slice(2), 16) : p.length > 1 && p.startsWith('0') ? parseInt(p.slice(1), 8) : Number(p)));
  const last = values.pop()!;
  const lastBits = 32 - 8 * values.length;
  if (values.some((v) => v > 255) || last >= 2 ** lastBits) return undefined;
  let address = 0;
  for (const v of values) address = address * 256 + v;
  return address * 2 ** lastBits + last;
}
