import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCidr, formatIpv4, networkOf } from '../../../core/ipv4.ts';
import { formatMac } from '../../../core/mac.ts';
import { type Command, parseScenario } from '../../../core/scenario/index.ts';

/** Parses a one-command script; throws with the message when it does not parse. */
function one(line: string): Command {
  const r = parseScenario(line, { file: 'p.sh' });
  if (!r.ok) throw new Error(`${line}\n  ${r.error.position.column}: ${r.error.message}`);
  if (r.value.form !== 'script') throw new Error('script');
  return r.value.statements[0]!.pipelines[0]!.commands[0]!;
}

const address = fc.integer({ min: 0, max: 0xffffffff });
const prefix = fc.integer({ min: 0, max: 32 });
/** Device names: a letter then letters, digits, dots, dashes and underscores, at most 15 characters. */
const device = fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/);
const port = fc.integer({ min: 1, max: 65535 });

/** Writes a word as a shell would accept it: bare, single-quoted or double-quoted. */
const quoted = (word: string): fc.Arbitrary<string> => fc.constantFrom(word, `'${word}'`, `"${word}"`);
/** Joins groups of words in a shuffled order, each word possibly quoted. */
function line(head: string[], groups: string[][]): fc.Arbitrary<string> {
  return fc.shuffledSubarray(groups, { minLength: groups.length, maxLength: groups.length }).chain((order) =>
    fc.tuple(...[...head, ...order.flat()].map(quoted)).map((ws) => ws.join(' ')),
  );
}

describe('generated valid commands parse back to their arguments', () => {
  it('ip addr add A/len [brd +] dev D, in any order', () => {
    fc.assert(
      fc.property(address, prefix, device, fc.boolean(), (a, len, dev, brd) => {
        const groups = [[formatCidr({ address: a, prefixLength: len })], ['dev', dev], ...(brd ? [['brd', '+']] : [])];
        fc.assert(
          fc.property(line(['ip', 'addr', 'add'], groups), (text) => {
            expect(one(text)).toMatchObject({ kind: 'addr.add', address: { address: a, prefixLength: len }, device: dev, broadcast: brd ? '+' : undefined });
          }),
          { numRuns: 3 },
        );
      }),
    );
  });

  it('ip route add|replace|append PREFIX via GW dev D metric M table T, in any order', () => {
    fc.assert(
      fc.property(fc.constantFrom('add', 'replace', 'append', 'del'), address, prefix, address, device, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 252 }), (verb, a, len, gw, dev, metric, table) => {
        const dst = { address: networkOf({ address: a, prefixLength: len }), prefixLength: len };
        const groups = [[formatCidr(dst)], ['via', formatIpv4(gw)], ['dev', dev], ['metric', String(metric)], ['table', String(table)]];
        fc.assert(
          fc.property(line(['ip', 'route', verb], groups), (text) => {
            expect(one(text)).toMatchObject({ kind: `route.${verb}`, destination: dst, via: gw, device: dev, metric, table });
          }),
          { numRuns: 2 },
        );
      }),
    );
  });

  it('ip link set dev D up|down mtu N address MAC master BR', () => {
    fc.assert(
      fc.property(device, fc.boolean(), fc.integer({ min: 68, max: 65535 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), device, (dev, up, mtu, mac, br) => {
        const groups = [['dev', dev], [up ? 'up' : 'down'], ['mtu', String(mtu)], ['address', formatMac(mac)], ['master', br]];
        fc.assert(
          fc.property(line(['ip', 'link', 'set'], groups), (text) => {
            expect(one(text)).toMatchObject({ kind: 'link.set', device: dev, up, mtu, address: mac, master: br });
          }),
          { numRuns: 2 },
        );
      }),
    );
  });

  it('ping with options before or after the address', () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), device, (a, count, ttl, id, dev) => {
        const groups = [[formatIpv4(a)], ['-c', String(count)], ['-t', String(ttl)], ['-e', String(id)], ['-I', dev]];
        fc.assert(
          fc.property(line(['ping'], groups), (text) => {
            const c = one(text);
            expect(c).toMatchObject({ kind: 'ping', destination: a, count, ttl, identifier: id });
            if (c.kind === 'ping') expect(c.interface ?? c.sourceAddress).toBeDefined();
          }),
          { numRuns: 2 },
        );
      }),
    );
  });

  it('iptables rules with shuffled matches', () => {
    fc.assert(
      fc.property(address, prefix, device, port, fc.boolean(), fc.constantFrom('ACCEPT', 'DROP', 'RETURN'), fc.constantFrom('INPUT', 'FORWARD', 'OUTPUT'), (a, len, dev, p, negate, target, chain) => {
        const groups = [[...(negate ? ['!'] : []), '-s', formatCidr({ address: a, prefixLength: len })], ['-i', dev], ['-j', target]];
        fc.assert(
          fc.property(line(['iptables', '-A', chain, '-p', 'udp', '--dport', String(p)], groups), (text) => {
            expect(one(text)).toMatchObject({
              kind: 'iptables',
              table: 'filter',
              command: { op: 'append', chain, rule: { source: { value: { address: a, prefixLength: len }, negated: negate }, inInterface: { value: dev, negated: false }, destinationPort: { value: { first: p, last: p } }, target: { kind: target } } },
            });
          }),
          { numRuns: 2 },
        );
      }),
    );
  });

  it('sysctl -w on every modelled key', () => {
    const key = fc.oneof(
      fc.constantFrom('net.ipv4.ip_forward', 'net.ipv4.ip_default_ttl'),
      fc.tuple(fc.oneof(fc.constantFrom('all', 'default'), device), fc.constantFrom('forwarding', 'arp_ignore', 'arp_announce', 'arp_filter', 'rp_filter', 'send_redirects')).map(([d, k]) => `net.ipv4.conf.${d}.${k}`),
      fc.tuple(fc.oneof(fc.constant('default'), device), fc.constantFrom('base_reachable_time_ms', 'delay_first_probe_time', 'retrans_time_ms', 'gc_stale_time')).map(([d, k]) => `net.ipv4.neigh.${d}.${k}`),
    ).filter((k) => !k.split('.').slice(4).some((x) => x === '') && k.split('.').length === (k.startsWith('net.ipv4.conf') || k.startsWith('net.ipv4.neigh') ? 5 : 3));
    fc.assert(
      fc.property(key, fc.integer({ min: 0, max: 100000 }), fc.boolean(), (k, v, slashes) => {
        const written = slashes ? k.split('.').join('/') : k;
        expect(one(`sysctl -w ${written}=${v}`)).toMatchObject({ kind: 'sysctl', write: true, settings: [{ key: k, value: v }] });
      }),
    );
  });

  it('send with keywords in any order', () => {
    fc.assert(
      fc.property(fc.constantFrom('udp', 'tcp'), address, address, port, port, fc.integer({ min: 0, max: 255 }), (proto, src, dst, sport, dport, ttl) => {
        const groups = [[proto], ['src', formatIpv4(src)], ['dst', formatIpv4(dst)], ['sport', String(sport)], ['dport', String(dport)], ['ttl', String(ttl)]];
        fc.assert(
          fc.property(line(['send'], groups), (text) => {
            expect(one(text)).toMatchObject({ kind: 'send', protocol: proto, source: src, destination: dst, sourcePort: sport, destinationPort: dport, ttl });
          }),
          { numRuns: 2 },
        );
      }),
    );
  });

  it('tcpdump -i D -c N with a host filter', () => {
    fc.assert(
      fc.property(device, fc.integer({ min: 1, max: 10000 }), address, (dev, n, a) => {
        const c = one(`tcpdump -i ${dev} -c ${n} host ${formatIpv4(a)}`);
        expect(c).toMatchObject({ kind: 'tcpdump', interface: dev, count: n, filterText: `host ${formatIpv4(a)}` });
      }),
    );
  });
});

describe('arbitrary input never throws', () => {
  const vocabulary = fc.constantFrom(
    'ip', 'link', 'addr', 'add', 'set', 'del', 'route', 'neigh', 'netns', 'exec', 'dev', 'via', 'default', 'type', 'veth', 'peer', 'name', 'bridge',
    'fdb', 'iptables', '-A', '-t', 'nat', '-j', '!', '-s', '-p', 'tcp', '--dport', 'sysctl', '-w', 'ping', '-c', 'tcpdump', '-i', 'nc', '-l', 'tc',
    'qdisc', 'netem', 'send', 'sh', '-c', 'sudo', 'echo', '|', '&&', '||', ';', '&', '>', '2>&1', '<<<', "'", '"', '\\', '\n', '#', '$', '(', ')',
    '10.0.0.1', '10.0.0.0/24', '300.1.1.1', 'up', 'x', 'mtu', '1500', '/', '=', 'net.ipv4.ip_forward=1', '$ ', '```', 'or',
  );
  const noThrow = (text: string, file: string): void => {
    const r = parseScenario(text, { file });
    if (!r.ok) {
      expect(r.error.position.line).toBeGreaterThanOrEqual(1);
      expect(r.error.position.column).toBeGreaterThanOrEqual(1);
      expect(r.error.message.length).toBeGreaterThan(0);
    }
  };
  it('random strings, as scripts and as documents', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        noThrow(text, 'r.sh');
        noThrow(text, 'r.md');
      }),
      { numRuns: 500 },
    );
  });
  it('random sequences of scenario words', () => {
    fc.assert(
      fc.property(fc.array(vocabulary, { maxLength: 30 }), fc.constantFrom(' ', '\n', ''), (ws, sep) => {
        const text = ws.join(sep === '' ? ' ' : sep);
        noThrow(text, 'w.sh');
        noThrow(`\`\`\`\n$ ${ws.join(' ')}\n\`\`\`\n`, 'w.md');
      }),
      { numRuns: 2000 },
    );
  });
});
