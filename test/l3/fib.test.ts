import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, prefixMask } from '../../core/ipv4.ts';
import { FibTable, TABLE_MAIN, type Route } from '../../l3/fib.ts';
import type { NetDevice } from '../../l2/device.ts';

const devices = [0, 1, 2].map((i) => ({ name: `d${i}` }) as unknown as NetDevice);

function route(destination: number, prefixLength: number, metric: number, device: NetDevice, gateway?: number): Route {
  return {
    table: TABLE_MAIN,
    type: 'unicast',
    destination: (destination & prefixMask(prefixLength)) >>> 0,
    prefixLength,
    tos: 0,
    metric,
    protocol: 'boot',
    scope: gateway === undefined ? 'link' : 'global',
    gateway,
    device,
    prefsrc: undefined,
    onlink: false,
    linkdown: false,
    dead: false,
    nexthopScope: 'host',
  };
}

/** Addresses drawn from a small space so that prefixes overlap often. */
const address = fc.integer({ min: 0, max: 15 }).map((x) => (0x0a000000 | (x << 20) | (x << 4)) >>> 0);
const routeArb = fc.record({
  destination: address,
  prefixLength: fc.constantFrom(0, 8, 12, 16, 24, 28, 32),
  metric: fc.constantFrom(0, 100, 101),
  device: fc.integer({ min: 0, max: 2 }),
  append: fc.boolean(),
});

describe('FibTable', () => {
  it('agrees with a brute-force longest-prefix oracle (lowest metric, then first added)', () => {
    fc.assert(
      fc.property(fc.array(routeArb, { maxLength: 30 }), fc.array(address, { minLength: 1, maxLength: 10 }), (specs, probes) => {
        const table = new FibTable(TABLE_MAIN);
        const inserted: { r: Route; order: number }[] = [];
        specs.forEach((s, order) => {
          const r = route(s.destination, s.prefixLength, s.metric, devices[s.device]!);
          const sameKey = inserted.filter((x) => x.r.destination === r.destination && x.r.prefixLength === r.prefixLength && x.r.metric === r.metric);
          const result = table.insert(r, s.append ? 'append' : 'add');
          const duplicate = sameKey.some((x) => x.r.device === r.device);
          // `ip route add` of an existing prefix+metric is EEXIST; `append` is EEXIST only for an identical route.
          if (!s.append && sameKey.length > 0) expect(result).toBe('File exists');
          else if (s.append && duplicate) expect(result).toBe('File exists');
          else {
            expect(result).toBeUndefined();
            inserted.push({ r, order });
          }
        });
        for (const probe of probes) {
          const candidates = inserted.filter((x) => cidrContains({ address: x.r.destination, prefixLength: x.r.prefixLength }, probe));
          const hit = table.lookup(probe);
          if (candidates.length === 0) {
            expect(hit).toBeUndefined();
            continue;
          }
          const longest = Math.max(...candidates.map((x) => x.r.prefixLength));
          const best = candidates
            .filter((x) => x.r.prefixLength === longest)
            .sort((a, b) => a.r.metric - b.r.metric || a.order - b.order)[0]!;
          expect(hit?.route).toBe(best.r);
        }
        expect(table.size).toBe(inserted.length);
      }),
    );
  });

  it('lists routes as `ip route` does: by network address, longer prefixes first, then alias order', () => {
    const table = new FibTable(TABLE_MAIN);
    const [a, b] = devices as [NetDevice, NetDevice];
    table.insert(route(0xc0a83800, 24, 101, a), 'append');
    table.insert(route(0xac140000, 16, 0, a), 'append');
    table.insert(route(0xac140000, 16, 0, b), 'append');
    table.insert(route(0, 0, 100, a, 0x0a000202), 'add');
    table.insert(route(0x0a000200, 24, 100, a), 'append');
    table.insert(route(0x0a000000, 8, 0, b), 'add');
    expect(table.routes().map((r) => `${r.destination.toString(16)}/${r.prefixLength} ${(r.device as unknown as { name: string }).name}`)).toEqual([
      '0/0 d0',
      'a000000/8 d1',
      'a000200/24 d0',
      'ac140000/16 d0',
      'ac140000/16 d1',
      'c0a83800/24 d0',
    ]);
  });

  it('skips routes through another device when the lookup is bound to one (SO_BINDTODEVICE)', () => {
    const table = new FibTable(TABLE_MAIN);
    const [a, b] = devices as [NetDevice, NetDevice];
    const first = route(0xac140000, 16, 0, a);
    const second = route(0xac140000, 16, 0, b);
    table.insert(first, 'append');
    table.insert(second, 'append');
    expect(table.lookup(0xac14000c)?.route).toBe(first);
    expect(table.lookup(0xac14000c, { oif: b })?.route).toBe(second);
  });
});
