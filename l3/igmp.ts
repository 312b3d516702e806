import { MILLISECOND } from '../core/clock.ts';
import { internetChecksum } from '../core/checksum.ts';
import { encodeIpv4Options } from '../core/wire/ipv4.ts';
import { IpProtocol } from '../core/wire/ipv4.ts';
import type { NetDevice } from '../l2/device.ts';
import { scopeValue } from './fib.ts';
import { buildDatagram, ipSend } from './ipv4.ts';
import type { NetNamespace } from './namespace.ts';

/** 224.0.0.22, where IGMPv3 reports go (IGMPV3_ALL_MCR). */
export const IGMPV3_ALL_MCR = 0xe0000016;
/** 224.0.0.106, the all-snoopers group a bridge with multicast snooping joins (RFC 4286; br_multicast_join_snoopers()). */
export const ALL_SNOOPERS = 0xe000006a;
/** IGMPv3 state-change record type CHANGE_TO_EXCLUDE_MODE ("to_ex"). */
const CHANGE_TO_EXCLUDE = 4;
/** net.ipv4.igmp_qrv: a state change is reported this many times. */
const ROBUSTNESS = 2;
/** IGMPv3 unsolicited_report_interval: 1 s between the repeats, drawn at random below it. */
const UNSOLICITED_REPORT_INTERVAL = 1000 * MILLISECOND;
/** igmp_ifc_start_timer() adds two jiffies (HZ 250) to every delay. */
const TWO_JIFFIES = 8 * MILLISECOND;

/** 224.0.0.1, which every IPv4 device joins when it comes up (ip_mc_up(): IGMP_ALL_HOSTS). */
export const ALL_HOSTS = 0xe0000001;

/**
 * Whether `device` is a member of `group`, as ip_check_mc_rcu() looks it up on a received packet: every device of
 * all-hosts, an up bridge of all-snoopers (the groups twinnet's stack joins; sockets join none).
 */
export function isGroupMember(device: NetDevice, group: number): boolean {
  return group === ALL_HOSTS || (group === ALL_SNOOPERS && device.kind === 'bridge' && device.adminUp);
}

/**
 * Joining a group (net/ipv4/igmp.c: ip_mc_inc_group() → igmp_group_added() → igmp_ifc_event()): the change is
 * reported ROBUSTNESS times, the first two jiffies later, the next after a random delay below the unsolicited
 * report interval (igmp_ifc_timer_expire()). Bridges join 224.0.0.106 when they come up, so an up bridge sends
 * two reports (fixtures/pcap/igmp.pcap, igmp-noaddr.pcap).
 */
export function joinGroup(ns: NetNamespace, device: NetDevice, group: number): void {
  const random = ns.host.random(`igmp:${ns.name}:${device.name}`);
  let remaining = ROBUSTNESS;
  const send = (): void => {
    if (!device.adminUp || ns.deviceByIndex(device.ifindex) !== device) return;
    sendReport(ns, device, group);
    remaining--;
    if (remaining > 0) ns.scheduler.after(random.below(UNSOLICITED_REPORT_INTERVAL / MILLISECOND) * MILLISECOND + TWO_JIFFIES, send);
  };
  ns.scheduler.after(TWO_JIFFIES, send);
}

/**
 * igmpv3_send_cr() → igmpv3_newpack(): one report with one CHANGE_TO_EXCLUDE record and no sources, to
 * 224.0.0.22, TTL 1, TOS 0xc0, DF, IP ID 0, router alert; its source is the address routing picks only when it is
 * the device's own (igmpv3_get_srcaddr()), else 0.0.0.0.
 */
function sendReport(ns: NetNamespace, device: NetDevice, group: number): void {
  const own = ns.addressesOf(device).find((a) => !a.secondary && scopeValue(a.scope) <= scopeValue('link'));
  const source = own?.local ?? 0;
  const options = encodeIpv4Options([{ kind: 'routerAlert', value: 0 }]);
  const frame = buildDatagram(
    { source, destination: IGMPV3_ALL_MCR, protocol: IpProtocol.Igmp, ttl: 1, tos: 0xc0, identification: 0, dontFragment: true, options },
    16,
    (buf, at) => {
      buf[at] = 0x22;
      buf[at + 7] = 1;
      buf[at + 8] = CHANGE_TO_EXCLUDE;
      buf[at + 12] = group >>> 24;
      buf[at + 13] = (group >>> 16) & 0xff;
      buf[at + 14] = (group >>> 8) & 0xff;
      buf[at + 15] = group & 0xff;
      const c = internetChecksum(buf, at, at + 16);
      buf[at + 2] = c >>> 8;
      buf[at + 3] = c & 0xff;
    },
  );
  ipSend(ns, frame, { device, nexthop: IGMPV3_ALL_MCR, source, kind: 'multicast', route: undefined });
}
