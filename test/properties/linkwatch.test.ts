import { describe, expect, it } from 'vitest';
import { compare } from '../../core/diff/compare.ts';
import type { StateDump } from '../../core/diff/state-diff.ts';

/**
 * `linkwatch-delay` (DESIGN.md §5): found by twinnet fuzz, a kernel dump taken while linkwatch had not yet run
 * shows a veth with carrier (LOWER_UP) as NO-CARRIER, operstate DOWN, and a route without its linkdown flag yet.
 * Those are variation; any other difference in the same items is still a divergence.
 */

const link = (flags: string[], operstate: string, mtu = 1500) => ({ ifindex: 2, ifname: 'v0b', flags, mtu, operstate, address: '02:00:00:00:00:01' });
const dump = (links: unknown[], routes: unknown[]): StateDump => ({ namespace: 'n1', links: links as never, routes: routes as never });
const route = (flags: string[], gateway?: string) => ({ dst: '10.9.0.0/24', dev: 'v0b', protocol: 'kernel', scope: 'link', prefsrc: '10.9.0.2', flags, ...(gateway ? { gateway } : {}) });

describe('linkwatch-delay', () => {
  it('absorbs operstate and NO-CARRIER when both sides have carrier, and a linkdown flag on a route', () => {
    const kernel = dump([link(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], 'DOWN')], [route(['linkdown'])]);
    const sim = dump([link(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], 'UP')], [route([])]);
    const report = compare({ captures: new Map(), state: [kernel] }, { captures: new Map(), state: [sim] });
    expect(report.divergences).toBe(0);
    expect(report.state.differences.map((d) => d.classification)).toEqual([
      { kind: 'variation', variation: 'linkwatch-delay' },
      { kind: 'variation', variation: 'linkwatch-delay' },
    ]);
  });

  it('keeps a divergence when the carrier itself differs, or another field differs too', () => {
    const noCarrier = dump([link(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], 'DOWN')], []);
    const up = dump([link(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], 'UP')], []);
    expect(compare({ captures: new Map(), state: [noCarrier] }, { captures: new Map(), state: [up] }).divergences).toBe(1);
    const otherMtu = dump([link(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], 'DOWN', 1400)], []);
    expect(compare({ captures: new Map(), state: [otherMtu] }, { captures: new Map(), state: [up] }).divergences).toBe(1);
    const otherGateway = dump([], [route(['linkdown'], '10.9.0.1')]);
    expect(compare({ captures: new Map(), state: [otherGateway] }, { captures: new Map(), state: [dump([], [route([])])] }).divergences).toBe(1);
  });
});
