/**
 * `send` probes on the kernel (DESIGN.md §2 "traffic", §4): crafted IPv4 packets (protocol, addresses, ports,
 * TCP flags, ICMP type, TTL, TOS, ID, DF, options, payload) built with core/wire's emitters and sent from inside
 * a sandbox namespace through raw-socket (send-helper.ts). The probe's fields are the parser's `send` command
 * (core/scenario/commands.ts: Send), so a parsed command can be passed as it is.
 */
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { formatIpv4, parseIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import type { Send } from '../../core/scenario/commands.ts';
import { IcmpType } from '../../core/wire/icmp.ts';
import type { Ipv4Option } from '../../core/wire/ipv4.ts';
import { buildPacket, type PacketSpec } from '../../core/wire/frame.ts';
import { TcpFlag } from '../../core/wire/tcp.ts';
import { runToolAsync } from '../exec.ts';
import { helperArgv } from '../node-helper.ts';
import type { Sandbox } from '../sandbox.ts';

/** A probe: the parser's `send` fields; unset ones take `send`'s defaults. */
export type SendProbe = Pick<Send, 'protocol' | 'destination'> &
  Partial<Pick<Send, 'interface' | 'source' | 'sourcePort' | 'destinationPort' | 'tcpFlags' | 'icmpType' | 'icmpCode' | 'ttl' | 'tos' | 'identification' | 'dontFragment' | 'ipOptions' | 'payload' | 'count'>>;

/** What was sent. */
export interface SendResult {
  /** Bytes the kernel accepted, per packet. */
  readonly bytes: readonly number[];
  /** The packets as built (the kernel fills nothing more: source, ID and checksums are all set). */
  readonly packets: readonly Uint8Array[];
}

const HELPER = fileURLToPath(new URL('./send-helper.ts', import.meta.url));

/** Linux's default ephemeral range (net.ipv4.ip_local_port_range 32768 60999), for a probe without `sport`. */
function ephemeralPort(): number {
  return randomInt(32_768, 61_000);
}

/** `option rr` as `ping -R` sends it: a record route option with 9 empty slots; `option ra`: router alert 0. */
function ipOptions(list: readonly ('rr' | 'ra')[]): Ipv4Option[] {
  return list.map((o) => (o === 'rr' ? { kind: 'recordRoute', pointer: 4, addresses: new Array<Ipv4Address>(9).fill(0) } : { kind: 'routerAlert', value: 0 }));
}

/**
 * The IPv4 packet a probe describes, every length and checksum filled. `source` must be known here (a UDP or TCP
 * checksum covers it): `sendProbe` asks the namespace's routing for it when the probe has none.
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

/** The source address the namespace's routing picks for `destination` (`ip -j route get`: prefsrc). */
async function routeSource(sandbox: Sandbox, ns: string | undefined, destination: Ipv4Address, device: string | undefined): Promise<Ipv4Address> {
  const argv = ['ip', '-j', 'route', 'get', formatIpv4(destination), ...(device !== undefined ? ['oif', device] : [])];
  const r = await sandbox.execAsync(ns, argv);
  const route = r.status === 0 ? (JSON.parse(r.stdout) as { prefsrc?: string }[])[0] : undefined;
  const source = route?.prefsrc !== undefined ? parseIpv4(route.prefsrc) : undefined;
  if (source === undefined || !source.ok) throw new Error(`send probe: no source address for ${formatIpv4(destination)}: ${r.stderr.trim() || 'no route'}`);
  return source.value;
}

/** Sends a probe (`count` packets) from a scenario namespace's sandbox; rejects with the helper's message if it fails. */
export async function sendProbe(sandbox: Sandbox, ns: string | undefined, probe: SendProbe, timeoutMs = 10_000): Promise<SendResult> {
  const source = probe.source ?? (await routeSource(sandbox, ns, probe.destination, probe.interface));
  const sourcePort = probe.sourcePort ?? ephemeralPort();
  const packet = buildProbePacket({ ...probe, source, sourcePort });
  const packets = new Array<Uint8Array>(probe.count ?? 1).fill(packet);
  const args = [formatIpv4(probe.destination), probe.interface ?? '-', ...packets.map((p) => Buffer.from(p).toString('hex'))];
  const r = await runToolAsync(helperArgv(sandbox.nsName(ns), HELPER, args), { timeoutMs });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let message: { type?: string; bytes?: number[]; message?: string } = {};
  try {
    message = JSON.parse(line) as typeof message;
  } catch {
    // Reported below.
  }
  if (r.status !== 0 || message.type !== 'sent') {
    throw new Error(`send probe: ${message.message ?? (r.stderr.trim() || `helper exited with ${r.status ?? r.signal}`)}`);
  }
  return { bytes: message.bytes ?? [], packets };
}
