import type { Instant } from '../core/clock.ts';
import type { MacAddress } from '../core/mac.ts';
import type { NetDevice } from './device.ts';

/**
 * One forwarding database entry (net/bridge/br_private.h struct net_bridge_fdb_entry). `port` is the device the
 * address was seen on (or, for local entries, the device that owns it: a port or the bridge itself).
 */
export interface FdbEntry {
  readonly mac: MacAddress;
  port: NetDevice;
  /** BR_FDB_LOCAL: the address belongs to the bridge or a port; frames to it are delivered up, not forwarded. */
  readonly local: boolean;
  /** BR_FDB_STATIC: added by the user, never aged. */
  readonly isStatic: boolean;
  /** Last time the address was seen as a source (learning). */
  updated: Instant;
  /** Last time the entry was used to forward. */
  used: Instant;
}

/** The bridge forwarding database: MAC → entry, in insertion order (as `bridge fdb show` walks the hash). */
export class Fdb {
  private readonly entries = new Map<MacAddress, FdbEntry>();

  get(mac: MacAddress): FdbEntry | undefined {
    return this.entries.get(mac);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every entry, oldest first. */
  all(): IterableIterator<FdbEntry> {
    return this.entries.values();
  }

  set(entry: FdbEntry): void {
    this.entries.set(entry.mac, entry);
  }

  delete(mac: MacAddress): void {
    this.entries.delete(mac);
  }

  /** Removes every entry pointing at `port` that satisfies `which` (br_fdb_delete_by_port()). */
  deleteByPort(port: NetDevice, which: (entry: FdbEntry) => boolean = () => true): void {
    for (const [mac, entry] of this.entries) if (entry.port === port && which(entry)) this.entries.delete(mac);
  }

  /** Deletes learned entries not updated for `ageing` ns; returns the next expiry, if any (br_fdb_cleanup()). */
  expire(now: Instant, ageing: number): Instant | undefined {
    let next: Instant | undefined;
    for (const [mac, entry] of this.entries) {
      if (entry.local || entry.isStatic) continue;
      const expiresAt = entry.updated + ageing;
      if (expiresAt <= now) this.entries.delete(mac);
      else if (next === undefined || expiresAt < next) next = expiresAt;
    }
    return next;
  }
}
