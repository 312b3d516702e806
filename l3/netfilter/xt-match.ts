import { prefixMask, readIpv4 } from '../../core/ipv4.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';
import type { XtRuleSpec } from './xt-rule.ts';

/** What the matches look at in a packet: the IPv4 datagram, the devices, the conntrack state bits (xt_action_param). */
export interface MatchPacket {
  readonly datagram: Uint8Array;
  readonly inName: string | undefined;
  readonly outName: string | undefined;
  /** STATE_BITS of the packet's ctinfo (INVALID when untracked), with SNAT/DNAT when its connection is translated. */
  readonly stateBits: number;
}

/** ifname_compare(): `eth+` matches every name starting with `eth`. */
function ifaceMatches(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * ipt_do_table()'s ip_packet_match() and the matches of the rule (xt_tcpudp, xt_icmp, xt_conntrack, xt_state):
 * whether the packet matches every part, each part possibly inverted with `!`. Port and ICMP matches never match
 * a non-first fragment.
 */
export function ruleMatches(spec: XtRuleSpec, p: MatchPacket): boolean {
  const d = p.datagram;
  if (spec.source) {
    const hit = ((readIpv4(d, 12) & prefixMask(spec.source.prefixLength)) >>> 0) === spec.source.address;
    if (hit === spec.source.negated) return false;
  }
  if (spec.destination) {
    const hit = ((readIpv4(d, 16) & prefixMask(spec.destination.prefixLength)) >>> 0) === spec.destination.address;
    if (hit === spec.destination.negated) return false;
  }
  if (spec.inInterface && ifaceMatches(spec.inInterface.value, p.inName) === spec.inInterface.negated) return false;
  if (spec.outInterface && ifaceMatches(spec.outInterface.value, p.outName) === spec.outInterface.negated) return false;
  const protocol = d[9]!;
  if (spec.protocol && (spec.protocol.value === 0 || protocol === spec.protocol.value) === spec.protocol.negated) return false;
  const ihl = (d[0]! & 0x0f) * 4;
  const firstFragment = (((d[6]! << 8) | d[7]!) & 0x1fff) === 0;
  for (const m of spec.modules) {
    if (m === 'tcp' || m === 'udp') {
      const need = m === 'tcp' ? 20 : 8;
      if (!firstFragment || protocol !== (m === 'tcp' ? IpProtocol.Tcp : IpProtocol.Udp) || d.length < ihl + need) return false;
      const sport = (d[ihl]! << 8) | d[ihl + 1]!;
      const dport = (d[ihl + 2]! << 8) | d[ihl + 3]!;
      if (spec.sourcePort && (sport >= spec.sourcePort.value.first && sport <= spec.sourcePort.value.last) === spec.sourcePort.negated) return false;
      if (spec.destinationPort && (dport >= spec.destinationPort.value.first && dport <= spec.destinationPort.value.last) === spec.destinationPort.negated) return false;
      if (m === 'tcp' && spec.syn && ((d[ihl + 13]! & 0x17) === 0x02) === spec.syn.negated) return false;
    } else if (m === 'icmp') {
      if (!firstFragment || protocol !== IpProtocol.Icmp || d.length < ihl + 2) return false;
      const t = spec.icmpType;
      if (t) {
        const v = t.value;
        const hit = v === 'any' || (d[ihl] === v.type && (v.code === undefined || d[ihl + 1] === v.code));
        if (hit === t.negated) return false;
      }
    } else if (m === 'conntrack' || m === 'state') {
      const s = spec.states;
      if (s && ((p.stateBits & s.value) !== 0) === s.negated) return false;
    }
  }
  return true;
}
