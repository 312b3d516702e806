import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import { showBridgeLinks, showFdb } from './bridge.ts';
import { showAddresses } from './ip-addr.ts';
import { showLinks } from './ip-link.ts';
import { showNeighbours } from './ip-neigh.ts';
import { showRoutes } from './ip-route.ts';
import type { JsonValue } from './json.ts';
import type { ShowResult } from './result.ts';

/**
 * One namespace's state as plain data in iproute2's JSON shapes (DESIGN.md §6 `state`): what `ip -j link`,
 * `ip -j addr`, `ip -j route show table main|local`, `ip -j neigh`, `bridge -j link` and `bridge -j fdb` print, so
 * that the kernel adapter's dump of the same commands can be diffed against it.
 */
export interface NamespaceState {
  readonly links: JsonValue;
  readonly addresses: JsonValue;
  readonly routes: { readonly main: JsonValue; readonly local: JsonValue };
  readonly neighbours: JsonValue;
  readonly bridgePorts: JsonValue;
  readonly fdb: JsonValue;
}

function parsed(result: ShowResult): JsonValue {
  if (result.status !== 0) throw new Error(`twinnet: state dump failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as JsonValue;
}

/** Dumps a namespace's links, addresses, routes (main and local), neighbours, bridge ports and FDB. */
export function dumpState(net: Network, ns: NetNamespace): NamespaceState {
  const json = { json: true } as const;
  return {
    links: parsed(showLinks(net, ns, json)),
    addresses: parsed(showAddresses(net, ns, json)),
    routes: { main: parsed(showRoutes(net, ns, { ...json, table: 'main' })), local: parsed(showRoutes(net, ns, { ...json, table: 'local' })) },
    neighbours: parsed(showNeighbours(net, ns, json)),
    bridgePorts: parsed(showBridgeLinks(net, ns, json)),
    fdb: parsed(showFdb(net, ns, json)),
  };
}
