import type { Ipv4Address } from '../core/ipv4.ts';
import type { Random } from '../core/random.ts';

/** net.ipv4.ip_local_port_range's default: the ephemeral ports [32768, 60999]. */
export const LOCAL_PORT_LOW = 32768;
export const LOCAL_PORT_HIGH = 60999;

/** A keyed 32-bit hash of up to four words (a stand-in for the kernel's siphash with its boot-time secret). */
export function keyedHash(key: number, a: number, b = 0, c = 0, d = 0): number {
  let h = key >>> 0;
  for (const word of [a, b, c, d]) {
    h = Math.imul(h ^ (word >>> 0), 0x9e3779b1) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
    h = Math.imul(h, 0x85ebca77) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h >>> 0;
}

/** INET_TABLE_PERTURB_SHIFT (net/ipv4/inet_hashtables.c): 2^16 perturbation slots. */
const PERTURB_SIZE = 1 << 16;

/**
 * The ephemeral port choices of one namespace, drawn from a seeded stream so that a run is reproducible
 * (DESIGN.md §3): TCP connect() as __inet_hash_connect() does it, UDP autobind as udp_lib_get_port().
 */
export class EphemeralPorts {
  private readonly secret: number;
  /** table_perturb[]: filled with random values on first use (get_random_sleepable_once()). */
  private readonly perturb = new Map<number, number>();

  constructor(private readonly random: Random) {
    this.secret = random.nextU32();
  }

  /**
   * __inet_hash_connect(): a port for connecting `source` to `destination`:`destinationPort`. The scan starts at a
   * keyed offset (secure_port_ephemeral()) plus the perturbation slot's value, keeps to even ports on the first
   * pass (odd ones on the second), and moves the slot on by the ports tried plus a random 0–7 steps.
   */
  connectPort(source: Ipv4Address, destination: Ipv4Address, destinationPort: number, usable: (port: number) => boolean): number | undefined {
    const low = LOCAL_PORT_LOW;
    const high = LOCAL_PORT_HIGH + 1;
    let remaining = high - low;
    if (remaining > 1) remaining &= ~1;
    const portOffset = keyedHash(this.secret, source, destination, destinationPort);
    const index = portOffset & (PERTURB_SIZE - 1);
    let slot = this.perturb.get(index);
    if (slot === undefined) {
      slot = this.random.nextU32();
      this.perturb.set(index, slot);
    }
    let offset = ((slot + portOffset) >>> 0) % remaining;
    offset &= ~1;
    const step = 2;
    for (let parity = 0; parity < 2; parity++) {
      let port = low + offset;
      for (let i = 0; i < remaining; i += step, port += step) {
        if (port >= high) port -= remaining;
        if (!usable(port)) continue;
        const advance = Math.max(i, this.random.below(8) * step);
        this.perturb.set(index, (slot + advance + step) >>> 0);
        return port;
      }
      offset++;
      if ((offset & 1) === 0) break;
    }
    return undefined;
  }

  /**
   * udp_lib_get_port() with port 0: a uniform random start in the range (reciprocal_scale(get_random_u32())); when
   * that port is taken, the next free one after it (the kernel strides through its hash chains instead, which
   * only matters once the range is crowded).
   */
  udpPort(usable: (port: number) => boolean): number | undefined {
    const low = LOCAL_PORT_LOW;
    const remaining = LOCAL_PORT_HIGH - low + 1;
    const rand = this.random.nextU32();
    const first = Math.floor((rand * remaining) / 0x100000000) + low;
    for (let i = 0; i < remaining; i++) {
      const port = low + ((first - low + i) % remaining);
      if (usable(port)) return port;
    }
    return undefined;
  }
}
