import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAGS, parseTcpdumpArgs } from '../../../core/decode/flags.ts';

function parse(argv: string[]) {
  const r = parseTcpdumpArgs(argv);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('parseTcpdumpArgs', () => {
  it("reads the seed's bundle -ennqtvv and the same flags apart, in any order", () => {
    const bundled = parse(['-i', 'veth1', '-ennqtvv']);
    expect(bundled.interface).toBe('veth1');
    expect(bundled.flags).toEqual({ ...DEFAULT_FLAGS, e: true, n: 2, q: true, t: 1, v: 2 });
    expect(parse(['-v', '-n', '-t', '-e', '-v', '-q', '-n', '-i', 'veth1']).flags).toEqual(bundled.flags);
  });

  it('counts repeats: -tt … -ttttt, -vvv, -xx, -XX', () => {
    expect(parse(['-ttttt']).flags.t).toBe(5);
    expect(parse(['-vvv']).flags.v).toBe(3);
    expect(parse(['-xx']).flags.x).toBe(2);
    expect(parse(['-X', '-X']).flags.X).toBe(2);
  });

  it('takes option values attached or apart, and keeps the filter words in order', () => {
    const a = parse(['-c5', '-w', 'out.pcap', '-nn', 'arp', 'or', 'icmp', '-s', '96']);
    expect(a.count).toBe(5);
    expect(a.writeFile).toBe('out.pcap');
    expect(a.snaplen).toBe(96);
    expect(a.filter).toEqual(['arp', 'or', 'icmp']);
    expect(parse(['-nn', '--', '-v']).filter).toEqual(['-v']);
  });

  it('long options: --nano, --time-stamp-precision=nano, --number', () => {
    expect(parse(['--nano']).flags.nano).toBe(true);
    expect(parse(['--time-stamp-precision=nano']).flags.nano).toBe(true);
    expect(parse(['--number']).flags.number).toBe(true);
  });

  it("rejects what tcpdump rejects, with tcpdump's words", () => {
    expect(parseTcpdumpArgs(['-k'])).toEqual({ ok: false, error: "tcpdump: invalid option -- 'k'" });
    expect(parseTcpdumpArgs(['-c'])).toEqual({ ok: false, error: "tcpdump: option requires an argument -- 'c'" });
    expect(parseTcpdumpArgs(['-c', 'x'])).toEqual({ ok: false, error: 'tcpdump: invalid packet count x' });
    expect(parseTcpdumpArgs(['--bogus']).ok).toBe(false);
    expect(parseTcpdumpArgs(['-tttttt']).ok).toBe(false);
  });
});
