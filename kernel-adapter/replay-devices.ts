/**
 * Where the veths a scenario creates end up (DESIGN.md §4 "MACs"): compare passes the simulator's veth MACs keyed
 * by each device's place at the end of the run (`NS:DEV`, or `DEV` in the global namespace), but a replay must set
 * a MAC right after `ip link add`, where the device may still be elsewhere or named otherwise. So the scenario's
 * commands are walked once, following each device through `ip link set … netns/name`, `ip link del` and
 * `ip netns del`, to give every creating command the final place of what it creates.
 */
import type { Command } from '../core/scenario/index.ts';

/** A device's place: `NS:DEV`, or `DEV` in the scenario's global namespace. */
export function placeKey(namespace: string | undefined, device: string): string {
  return namespace === undefined ? device : `${namespace}:${device}`;
}

/** Where a created device was made and where it is at the end (undefined: deleted before the end). */
export interface DevicePlace {
  readonly namespace: string | undefined;
  readonly name: string;
  readonly created: string;
  readonly final: string | undefined;
}

/** The places of what one `ip link add` creates: the device, and a veth's peer. */
export interface CreatedDevices {
  readonly self: DevicePlace;
  readonly peer: DevicePlace | undefined;
}

interface Tracked {
  namespace: string | undefined;
  name: string;
  alive: boolean;
  peer: Tracked | undefined;
  readonly createdNamespace: string | undefined;
  readonly createdName: string;
}

/**
 * The places of every device made by an `ip link add` among `commands` (in scenario order), by command. A veth's
 * peer is made in the namespace the command runs in unless `peer … netns NS` says otherwise
 * (drivers/net/veth.c: veth_newlink() takes the peer's net from its own attributes, else the caller's).
 */
export function createdDevicePlaces(commands: readonly Command[]): Map<Command, CreatedDevices> {
  const live: Tracked[] = [];
  const made = new Map<Command, { self: Tracked; peer: Tracked | undefined }>();
  const find = (namespace: string | undefined, name: string): Tracked | undefined =>
    live.find((d) => d.alive && d.namespace === namespace && d.name === name);
  const track = (namespace: string | undefined, name: string): Tracked => {
    const d: Tracked = { namespace, name, alive: true, peer: undefined, createdNamespace: namespace, createdName: name };
    live.push(d);
    return d;
  };
  const remove = (d: Tracked): void => {
    d.alive = false;
    if (d.peer) d.peer.alive = false;
  };
  for (const c of commands) {
    switch (c.kind) {
      case 'link.add': {
        const self = track(c.netns ?? c.namespace, c.name);
        let peer: Tracked | undefined;
        if (c.linkType === 'veth' && c.peer?.name !== undefined) {
          peer = track(c.peer.netns ?? c.namespace, c.peer.name);
          self.peer = peer;
          peer.peer = self;
        }
        made.set(c, { self, peer });
        break;
      }
      case 'link.set': {
        const d = find(c.namespace, c.device);
        if (!d) break;
        if (c.netns !== undefined) d.namespace = c.netns;
        if (c.name !== undefined) d.name = c.name;
        break;
      }
      case 'link.del': {
        const d = find(c.namespace, c.device);
        if (d) remove(d);
        break;
      }
      case 'netns.del':
        for (const d of live) if (d.alive && d.namespace === c.name) remove(d);
        break;
      default:
        break;
    }
  }
  const place = (d: Tracked): DevicePlace => ({
    namespace: d.createdNamespace,
    name: d.createdName,
    created: placeKey(d.createdNamespace, d.createdName),
    final: d.alive ? placeKey(d.namespace, d.name) : undefined,
  });
  const out = new Map<Command, CreatedDevices>();
  for (const [c, { self, peer }] of made) out.set(c, { self: place(self), peer: peer ? place(peer) : undefined });
  return out;
}
