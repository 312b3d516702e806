import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import { formatJson, type JsonObject } from './json.ts';
import { printed, type ShowResult } from './result.ts';

/**
 * `ip netns list` / `ip netns` (ip/ipnetns.c netns_list()): the named namespaces as /run/netns lists them on a
 * tmpfs, newest first, each with `(id: N)` when the namespace running the command has allocated it an id
 * (peernet2id(), e.g. when a veth peer was created or moved there).
 */
export function listNetns(net: Network, ns: NetNamespace, options: { json?: boolean; pretty?: boolean } = {}): ShowResult {
  const named = [...net.namespaces.values()].reverse();
  const records = named.map((other) => {
    const id = ns.nsids.get(other);
    const json: JsonObject = { name: other.name };
    if (id !== undefined) json['id'] = id;
    return { text: id === undefined ? `${other.name}\n` : `${other.name} (id: ${id})\n`, json };
  });
  if (options.json) return printed(formatJson(records.map((r) => r.json), options.pretty ?? false));
  return printed(records.map((r) => r.text).join(''));
}
