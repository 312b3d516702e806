/**
 * The packets of twinnet's `send` probe (core/scenario/send.ts has the syntax), one function for both engines: the
 * simulator sends them from the namespace's stack (sim/exec/transport.ts), the kernel adapter through a raw socket
 * with IP_HDRINCL (kernel-adapter/probe/send.ts), so the bytes on the wire are the same.
 */
import type { Ipv4Address } from '../ipv4.ts';
import type { Send } from '../scenario/commands.ts';
import { buildPacket, type PacketSpec } from './frame.ts';
import { IcmpType } from './icmp.ts';
import type { Ipv4Option } from './ipv4.ts';
import { TcpFlag } from './tcp.ts';

/** A probe: the parser's `send` fields; unset ones take `send`'s defaults. */
export type SendProbe = Pick<Send, 'protocol' | 'destination'> &
  Partial<Pick<Send, 'interface' | 'source' | 'sourcePort' | 'destinationPort' | 'tcpFlags' | 'icmpType' | 'icmpCode' | 'ttl' | 'tos' | 'identification' | 'dontFragment' | 'ipOptions' | 'payload' | 'count'>>;

/** `option rr` as `ping -R` sends it: a record route option with 9 empty slots; `option ra`: router alert 0. */
function ipOptions(list: readonly ('rr' | 'ra')[]): Ipv4Option[] {
  return list.map((o) => (o === 'rr' ? { kind: 'recordRoute', pointer: 4, addresses: new Array<Ipv4Address>(9).fill(0) } : { kind: 'routerAlert', value: 0 }));
}

/**
 * The IPv4 packet a probe describes, every length and checksum filled: TTL 64, TOS 0 and IP ID 0 unless given (with
 * IP_HDRINCL the kernel then picks the ID, as the simulator does: see sim/exec/transport.ts), UDP and TCP checksums
 * in full, TCP with sequence number 0, window 64240 and no options, an ICMP echo with the source port as identifier
 * and sequence 0. `source` must be known (the transport checksum covers it).
 */
export function buildProbePacket(probe: SendProbe & { readonly source: Ipv4Address; readonly sourcePort: number }): Uint8Array {
  const ipv4 = {
    source: probe.source,
    destination: probe.destination,
    ttl: probe.ttl ?? 64,
    tos: probe.tos ?? 0,
    identification: probe.identification ?? 0,
    dontFragment: probe.dontFragment ?? false,
    options: ipOptions(probe.ipOptions ?? []),
  };
  const payload = probe.payload ?? new Uint8Array(0);
  let spec: PacketSpec;
  if (probe.protocol === 'udp') {
    spec = { ipv4, udp: { sourcePort: probe.sourcePort, destinationPort: probe.destinationPort ?? 0, payload } };
  } else if (probe.protocol === 'tcp') {
    const tcp = { sourcePort: probe.sourcePort, destinationPort: probe.destinationPort ?? 0, sequenceNumber: 0, flags: probe.tcpFlags ?? TcpFlag.Syn, window: 64_240, payload };
    spec = { ipv4, tcp };
  } else {
    const type = probe.icmpType ?? IcmpType.EchoRequest;
    const code = probe.icmpCode ?? 0;
    if (type === IcmpType.EchoRequest || type === IcmpType.EchoReply) {
      const kind = type === IcmpType.EchoRequest ? 'echoRequest' : 'echoReply';
      spec = { ipv4, icmp: { kind, code, identifier: probe.sourcePort, sequenceNumber: 0, data: payload } };
    } else {
      spec = { ipv4, icmp: { kind: 'other', type, code, restOfHeader: 0, data: payload } };
    }
  }
  return buildPacket(spec);
}
