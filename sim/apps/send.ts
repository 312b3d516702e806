import { internetChecksum } from '../../core/checksum.ts';
import { formatIpv4 } from '../../core/ipv4.ts';
import type { Send } from '../../core/scenario/commands.ts';
import { ETHERNET_HEADER_LEN } from '../../core/wire/ethernet.ts';
import { buildProbePacket } from '../../core/wire/probe.ts';
import { ipSend } from '../../l3/ipv4.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { routeOutput, type OutputRoute } from '../../l3/route.ts';
import type { NamespaceHost } from '../../l3/namespace.ts';
import { SimProcess } from '../process.ts';
import { SYSCALL_TIME } from './nc.ts';

/** IP protocol numbers of the probe's protocols. */
const PROBE_PROTOCOL = { icmp: 1, tcp: 6, udp: 17 } as const;

/**
 * `send …`: twinnet's crafted probe (core/wire/probe.ts builds the bytes, as the kernel adapter's does), sent as a
 * raw IP_HDRINCL socket sends: routed by its destination (the socket's own address, 0, not the header's source,
 * so any source goes out), bound to `-I DEV` if given, through the OUTPUT and POSTROUTING hooks. `count` packets go
 * one sendto(2) apart, as the adapter's helper sends them. An ID left 0 is filled by the kernel (ip_select_ident()
 * with no socket: 0 under DF, else a hashed one). Errors are the adapter's words for what the kernel says.
 */
export class SendProcess extends SimProcess {
  private sent = 0;

  constructor(
    private readonly host: NamespaceHost,
    private readonly ns: NetNamespace,
    private readonly c: Send,
  ) {
    super(ns.scheduler);
  }

  start(): void {
    const c = this.c;
    const device = c.interface === undefined ? undefined : this.ns.device(c.interface);
    if (c.interface !== undefined && !device) return this.fail('cannot open a raw socket: No such device');
    const route = routeOutput(this.ns, c.destination, { oif: device });
    if (typeof route === 'string') {
      const destination = formatIpv4(c.destination);
      return this.fail(c.source === undefined ? `no source address for ${destination}: RTNETLINK answers: ${route}` : `send to ${destination}: ${route}`);
    }
    const source = c.source ?? route.source;
    const sourcePort = c.sourcePort ?? this.host.random(`send:${this.ns.name}`).between(32768, 60999);
    const packet = buildProbePacket({ ...c, source, sourcePort });
    this.sendNext(packet, source, route);
  }

  interrupt(): void {
    this.exit(130);
  }

  private fail(message: string): void {
    this.printError(`send probe: ${message}\n`);
    this.exit(1);
  }

  private sendNext(packet: Uint8Array, source: number, route: OutputRoute): void {
    if (!this.running) return;
    const frame = new Uint8Array(ETHERNET_HEADER_LEN + packet.length);
    frame.set(packet, ETHERNET_HEADER_LEN);
    const ip = frame.subarray(ETHERNET_HEADER_LEN);
    if (this.c.identification === undefined && !this.c.dontFragment) {
      const id = this.ns.idents.next(this.c.destination, source, PROBE_PROTOCOL[this.c.protocol], this.ns.now);
      ip[4] = id >>> 8;
      ip[5] = id & 0xff;
      ip[10] = ip[11] = 0;
      const checksum = internetChecksum(ip, 0, (ip[0]! & 0x0f) * 4);
      ip[10] = checksum >>> 8;
      ip[11] = checksum & 0xff;
    }
    // raw_sendmsg(): a netfilter DROP on the way out is the call's error (EPERM); the adapter's helper prints it.
    if (ipSend(this.ns, frame, route)) return this.fail(`send to ${formatIpv4(this.c.destination)}: Operation not permitted`);
    this.sent++;
    if (this.sent >= this.c.count) {
      this.exit(0);
      return;
    }
    this.ns.scheduler.after(SYSCALL_TIME, () => this.sendNext(packet, source, route));
  }
}
