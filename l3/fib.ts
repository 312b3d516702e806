import { cidrContains, prefixMask, type Ipv4Address } from '../core/ipv4.ts';
import type { NetDevice } from '../l2/device.ts';

/** Route types (include/uapi/linux/rtnetlink.h RTN_*). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'unreachable' | 'blackhole' | 'prohibit' | 'throw';

/** Route scopes with iproute2's names (RT_SCOPE_*), ordered by number: universe 0 … nowhere 255. */
export type RouteScope = 'global' | 'site' | 'link' | 'host' | 'nowhere';

/** The numeric value of a scope, for comparisons (universe 0, site 200, link 253, host 254, nowhere 255). */
export function scopeValue(scope: RouteScope): number {
  switch (scope) {
    case 'global':
      return 0;
    case 'site':
      return 200;
    case 'link':
      return 253;
    case 'host':
      return 254;
    case 'nowhere':
      return 255;
  }
}

/** Well-known tables: local 255, main 254, default 253. */
export const TABLE_LOCAL = 255;
export const TABLE_MAIN = 254;
export const TABLE_DEFAULT = 253;

/** One route (a fib_alias with its fib_info and single nexthop). */
export interface Route {
  readonly table: number;
  readonly type: RouteType;
  readonly destination: Ipv4Address;
  readonly prefixLength: number;
  readonly tos: number;
  /** The metric (fib_priority). */
  readonly metric: number;
  /** rtm_protocol: "kernel", "boot", "static", "dhcp", or a number. */
  readonly protocol: string;
  readonly scope: RouteScope;
  readonly gateway: Ipv4Address | undefined;
  /** The nexthop device; undefined for unreachable/blackhole/prohibit. */
  readonly device: NetDevice | undefined;
  readonly prefsrc: Ipv4Address | undefined;
  /** RTNH_F_ONLINK was asked for. */
  readonly onlink: boolean;
  /** RTNH_F_LINKDOWN: the nexthop device has no carrier. */
  linkdown: boolean;
  /** RTNH_F_DEAD: the nexthop device went down; the route is about to be flushed. */
  dead: boolean;
  /** The scope of the nexthop (fib_nh_scope): link for a gateway on a connected subnet, host for a device route. */
  readonly nexthopScope: RouteScope;
}

/** The result of a table lookup (struct fib_result). */
export interface FibResult {
  readonly route: Route;
  readonly prefixLength: number;
}

/** Flags of a route insertion (NLM_F_EXCL / NLM_F_REPLACE / NLM_F_APPEND). */
export type InsertMode = 'add' | 'append' | 'prepend' | 'replace';

/** Why an insertion or deletion failed, as RTNETLINK reports it. */
export type FibError = 'File exists' | 'No such process';

/**
 * One routing table (net/ipv4/fib_trie.c): per prefix, aliases sorted by TOS (descending) and metric (ascending),
 * same-key routes in the kernel's insertion order. Lookup is longest-prefix first, then the first usable alias.
 */
export class FibTable {
  /** Aliases per prefix length (index 0..32), per network address; a length's map is made when it gets a route. */
  private readonly byLength: (Map<number, Route[]> | undefined)[] = new Array(33).fill(undefined);
  /** The prefix lengths that hold routes, longest first: a lookup tries only these (as the trie skips the rest). */
  private lengths: number[] = [];
  private count = 0;
  /**
   * TEST ONLY (a planted fault for issue 6's shrinker test, sim/faults.ts): 'last' takes the last usable alias of
   * the first usable one's TOS and metric instead of the first. Always 'first' outside that test.
   */
  tieOrder: 'first' | 'last' = 'first';

  constructor(readonly id: number) {}

  get size(): number {
    return this.count;
  }

  /** Every route in `ip route show` order: network address ascending, longer prefixes first, then alias order. */
  routes(): Route[] {
    const keys: { destination: number; prefixLength: number; list: Route[] }[] = [];
    for (let len = 0; len <= 32; len++) {
      for (const [destination, list] of this.byLength[len] ?? []) keys.push({ destination, prefixLength: len, list });
    }
    keys.sort((a, b) => a.destination - b.destination || b.prefixLength - a.prefixLength);
    return keys.flatMap((k) => k.list);
  }

  /** fib_table_insert(): returns an error in RTNETLINK's words, or undefined. */
  insert(route: Route, mode: InsertMode): FibError | undefined {
    const perLength = (this.byLength[route.prefixLength] ??= new Map<number, Route[]>());
    let list = perLength.get(route.destination);
    if (!list) {
      list = [];
      perLength.set(route.destination, list);
      this.updateLengths();
    }
    // fib_find_alias(): the first alias with tos <= ours and metric >= ours (or lower tos).
    let at = list.findIndex((fa) => fa.tos <= route.tos && (fa.metric >= route.metric || fa.tos < route.tos));
    const first = at >= 0 ? list[at]! : undefined;
    if (first && first.tos === route.tos && first.metric === route.metric) {
      if (mode === 'add') return 'File exists';
      let end = at;
      let exact = false;
      while (end < list.length && list[end]!.tos === route.tos && list[end]!.metric === route.metric) {
        if (sameRoute(list[end]!, route)) exact = true;
        end++;
      }
      if (mode === 'replace') {
        list[at] = route;
        return undefined;
      }
      if (exact) return 'File exists';
      if (mode === 'append') at = end;
    }
    if (at < 0) at = list.length;
    list.splice(at, 0, route);
    this.count++;
    return undefined;
  }

  /** fib_table_delete(): removes the first alias matching what the request specifies. */
  delete(match: (route: Route) => boolean, destination: number, prefixLength: number): Route | FibError {
    const list = this.byLength[prefixLength]?.get(destination);
    const index = list?.findIndex(match) ?? -1;
    if (!list || index < 0) return 'No such process';
    const [removed] = list.splice(index, 1);
    if (list.length === 0) {
      this.byLength[prefixLength]?.delete(destination);
      this.updateLengths();
    }
    this.count--;
    return removed!;
  }

  /** Removes every route for which `which` holds (fib_flush(), fib_table_flush()). */
  removeWhere(which: (route: Route) => boolean): Route[] {
    const removed: Route[] = [];
    for (const perLength of this.byLength) {
      if (!perLength) continue;
      for (const [destination, list] of perLength) {
        for (let i = list.length - 1; i >= 0; i--) {
          if (which(list[i]!)) removed.push(...list.splice(i, 1));
        }
        if (list.length === 0) perLength.delete(destination);
      }
    }
    this.count -= removed.length;
    this.updateLengths();
    return removed.reverse();
  }

  /** Recomputes the prefix lengths in use. */
  private updateLengths(): void {
    this.lengths = [];
    for (let len = 32; len >= 0; len--) if ((this.byLength[len]?.size ?? 0) > 0) this.lengths.push(len);
  }

  /** Visits every route (for flag updates such as linkdown). */
  forEach(visit: (route: Route) => void): void {
    for (const perLength of this.byLength) if (perLength) for (const list of perLength.values()) for (const route of list) visit(route);
  }

  /**
   * fib_table_lookup(): the longest matching prefix, then its first alias whose scope is at least `scope`, whose
   * nexthop is alive and, when `oif` is given, leaves by that device.
   */
  lookup(destination: Ipv4Address, options: LookupOptions = NO_OPTIONS): FibResult | undefined {
    const minScope = options.scope === undefined ? 0 : scopeValue(options.scope);
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i]!;
      const key = (destination & MASKS[len]!) >>> 0;
      const list = this.byLength[len]!.get(key);
      if (!list) continue;
      for (let k = 0; k < list.length; k++) {
        const route = list[k]!;
        if (!usable(route, options, minScope)) continue;
        if (this.tieOrder === 'last') return { route: lastTie(list, k, options, minScope), prefixLength: len };
        return { route, prefixLength: len };
      }
    }
    return undefined;
  }

  /** Whether any route covers `destination` (for tests). */
  covers(destination: Ipv4Address): boolean {
    return this.routes().some((r) => cidrContains({ address: r.destination, prefixLength: r.prefixLength }, destination));
  }
}

/** Whether a lookup may take this alias: TOS, scope, alive, and the output device when one is asked for. */
function usable(route: Route, options: LookupOptions, minScope: number): boolean {
  if (route.tos !== 0 && route.tos !== (options.tos ?? 0)) return false;
  if (minScope !== 0 && scopeValue(route.scope) < minScope) return false;
  if (route.dead) return false;
  if (route.type === 'unreachable' || route.type === 'blackhole' || route.type === 'prohibit' || route.type === 'throw') return true;
  return options.oif === undefined || route.device === options.oif;
}

/** TEST ONLY (the `tieOrder: 'last'` fault): the last usable alias with the same TOS and metric as `list[k]`. */
function lastTie(list: readonly Route[], k: number, options: LookupOptions, minScope: number): Route {
  const first = list[k]!;
  let pick = first;
  for (let j = k + 1; j < list.length && list[j]!.tos === first.tos && list[j]!.metric === first.metric; j++) {
    if (usable(list[j]!, options, minScope)) pick = list[j]!;
  }
  return pick;
}

/** The netmask of each prefix length, 0..32. */
const MASKS: readonly number[] = Array.from({ length: 33 }, (_, len) => prefixMask(len));
const NO_OPTIONS: LookupOptions = {};

/** Options of a lookup (struct flowi4): the least scope, the output device, the TOS. */
export interface LookupOptions {
  readonly scope?: RouteScope;
  readonly oif?: NetDevice;
  readonly tos?: number;
}

/** Same type, nexthop and attributes: the kernel's "perfect match" that makes an append fail with EEXIST. */
function sameRoute(a: Route, b: Route): boolean {
  return (
    a.type === b.type &&
    a.gateway === b.gateway &&
    a.device === b.device &&
    a.prefsrc === b.prefsrc &&
    a.protocol === b.protocol &&
    a.scope === b.scope &&
    a.onlink === b.onlink
  );
}
