import { SECOND } from '../../core/clock.ts';
import type { Command, LinkAdd, LinkDel, LinkSet, NetnsAdd, NetnsDel } from '../../core/scenario/index.ts';
import { Bridge } from '../../l2/bridge.ts';
import type { NetDevice } from '../../l2/device.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { done, fail, noDevice, type ExecContext, type Outcome } from './context.ts';

/** `ip netns add NAME` (ip/ipnetns.c: netns_add()). */
export function netnsAdd({ net, io, command }: ExecContext<Command & NetnsAdd>): Outcome {
  const added = net.addNamespace(command.name);
  if (typeof added === 'string') return fail(io, `Cannot create namespace file "/run/netns/${command.name}": File exists`, 1);
  return done();
}

/** `ip netns del NAME`. */
export function netnsDel({ net, io, command }: ExecContext<Command & NetnsDel>): Outcome {
  if (!net.deleteNamespace(command.name)) return fail(io, `Cannot remove namespace file "/run/netns/${command.name}": No such file or directory`, 1);
  return done();
}

/** The namespace a `netns NS` argument names, or the iproute2 error. */
function targetNamespace(ctx: ExecContext, name: string): NetNamespace | Outcome {
  const ns = ctx.net.namespaces.get(name);
  return ns ?? fail(ctx.io, `Error: argument "${name}" is wrong: Invalid "netns" value\n`, 255);
}

/** `ip link add NAME type veth|bridge|dummy …` (rtnl_newlink()). */
export function linkAdd(ctx: ExecContext<Command & LinkAdd>): Outcome {
  const { net, io, command } = ctx;
  let home = ctx.ns;
  if (command.netns !== undefined) {
    const target = targetNamespace(ctx, command.netns);
    if (!('devices' in target)) return target;
    home = target;
  }
  let created: NetDevice;
  switch (command.linkType) {
    case 'veth': {
      let peerNs = home;
      if (command.peer?.netns !== undefined) {
        const target = targetNamespace(ctx, command.peer.netns);
        if (!('devices' in target)) return target;
        peerNs = target;
      }
      const peerName = command.peer?.name ?? nextFreeName(peerNs, 'veth');
      const pair = net.addVeth(home, command.name, peerName, peerNs, { mac: command.address, peerMac: command.peer?.address, index: command.index, peerIndex: command.peer?.index });
      if (typeof pair === 'string') return fail(io, pair, 2);
      created = pair[0];
      if (command.peer?.mtu !== undefined) pair[1].mtu = command.peer.mtu;
      break;
    }
    case 'bridge': {
      const bridge = net.addBridge(home, command.name, command.address, command.index);
      if (typeof bridge === 'string') return fail(io, bridge, 2);
      if (command.bridge?.ageingTime !== undefined) bridge.setAgeingTime((command.bridge.ageingTime * SECOND) / 100);
      created = bridge;
      break;
    }
    case 'dummy': {
      const dummy = net.addDummy(home, command.name, command.address, command.index);
      if (typeof dummy === 'string') return fail(io, dummy, 2);
      created = dummy;
      break;
    }
  }
  if (command.mtu !== undefined) created.mtu = command.mtu;
  if (command.up) created.open();
  return done();
}

/** The kernel's `vethN` name for an unnamed peer (dev_alloc_name("veth%d")). */
function nextFreeName(ns: NetNamespace, prefix: string): string {
  let i = 0;
  while (ns.device(`${prefix}${i}`)) i++;
  return `${prefix}${i}`;
}

/** `ip link del DEV`. */
export function linkDel({ net, ns, io, command }: ExecContext<Command & LinkDel>): Outcome {
  const device = ns.device(command.device);
  if (!device) return noDevice(io, command.device);
  if (device === ns.loopback) return fail(io, 'RTNETLINK answers: Operation not supported', 2);
  net.deleteDevice(device);
  return done();
}

/**
 * `ip link set DEV …` (do_setlink()), in the kernel's order: namespace, name, address, MTU, master, then the
 * up/down flags. The device is checked before anything changes, so a failing line changes nothing.
 */
export function linkSet(ctx: ExecContext<Command & LinkSet>): Outcome {
  const { net, ns, io, command } = ctx;
  const device = ns.device(command.device);
  if (!device) return noDevice(io, command.device);
  let master: Bridge | undefined;
  if (typeof command.master === 'string') {
    const found = ns.device(command.master);
    if (!found) return fail(io, `Error: argument "${command.master}" is wrong: Device does not exist\n`, 255);
    if (!(found instanceof Bridge)) return fail(io, 'RTNETLINK answers: Operation not supported', 2);
    if (device instanceof Bridge) return fail(io, 'Error: Can not enslave a bridge to a bridge.', 2);
    if (found.ports.length >= 1023 && !found.portOf(device)) return fail(io, 'RTNETLINK answers: Exchange full', 2);
    master = found;
  }
  let targetNs: NetNamespace | undefined;
  if (command.netns !== undefined) {
    const target = targetNamespace(ctx, command.netns);
    if (!('devices' in target)) return target;
    targetNs = target;
  }
  if (command.name !== undefined && command.name !== device.name && ns.device(command.name)) return fail(io, 'RTNETLINK answers: File exists', 2);
  if (command.bridge && !(device instanceof Bridge)) return fail(io, 'RTNETLINK answers: Operation not supported', 2);
  if (targetNs) {
    const error = net.moveDevice(device, targetNs);
    if (error) return fail(io, error, 2);
    return done();
  }
  if (command.name !== undefined) ns.rename(device, command.name);
  if (command.address !== undefined) device.setMac(command.address);
  if (command.mtu !== undefined) device.mtu = command.mtu;
  if (command.master === null) device.master?.removePort(device);
  if (master && device.master !== master) {
    device.master?.removePort(device);
    const error = master.addPort(device);
    if (error) return fail(io, `RTNETLINK answers: ${error}`, 2);
  }
  if (command.bridge?.ageingTime !== undefined && device instanceof Bridge) device.setAgeingTime((command.bridge.ageingTime * SECOND) / 100);
  if (command.up === true) device.open();
  if (command.up === false) device.close();
  return done();
}
