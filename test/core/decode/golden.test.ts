import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTcpdumpArgs } from '../../../core/decode/flags.ts';
import { createPrinter } from '../../../core/decode/printer.ts';
import { readCapture } from '../../../core/pcap/reader.ts';

/*
 * The committed goldens: tcpdump 4.99.3's own rendering of each real capture in fixtures/pcap (TZ=UTC), for the
 * seed's -ennqtvv and for -ennt, -nn and -nnv. Every line must come out byte for byte.
 */
const DIR = new URL('../../../fixtures/pcap/', import.meta.url).pathname;
const goldens = readdirSync(DIR).filter((f) => /^[\w-]+\.(ennqtvv|ennt|nn|nnv)\.txt$/.test(f));

function render(pcap: string, flags: string): string {
  const args = parseTcpdumpArgs([`-${flags}`]);
  if (!args.ok) throw new Error(args.error);
  const printer = createPrinter(args.value.flags, { timeZone: 'UTC' });
  let out = '';
  for (const r of readCapture(pcap)) {
    if (!r.ok) throw new Error(r.error.message);
    out += `${printer.print(r.value)}\n`;
  }
  return out;
}

describe('tcpdump goldens (fixtures/pcap/NAME.FLAGS.txt)', () => {
  it('covers every capture with the four flag sets', () => {
    const captures = readdirSync(DIR).filter((f) => f.endsWith('.pcap'));
    expect(captures.length).toBeGreaterThanOrEqual(16);
    expect(goldens.length).toBe(captures.length * 4);
  });

  for (const golden of goldens) {
    const [name, flags] = golden.split('.') as [string, string];
    it(`${name} -${flags}`, () => {
      expect(render(`${DIR}${name}.pcap`, flags)).toBe(readFileSync(`${DIR}${golden}`, 'utf8'));
    });
  }
});
