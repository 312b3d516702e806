/**
 * `send` probes on the kernel (DESIGN.md §2 "traffic", §4): one crafted IPv4 packet (protocol, addresses, ports,
 * TCP flags, TTL, payload) built with core/wire's emitters and sent from inside a sandbox namespace through
 * raw-socket (send-helper.ts).
 */
import { fileURLToPath } from 'node:url';
import { formatIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import { buildPacket, type PacketSpec } from '../../core/wire/frame.ts';
import { TcpFlag } from '../../core/wire/tcp.ts';
import { runToolAsync } from '../exec.ts';
import { helperArgv } from '../node-helper.ts';
import type { Sandbox } from '../sandbox.ts';

/** A probe as a scenario's `send` describes it. */
export interface SendProbe {
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly source: Ipv4Address;
  readonly destination: Ipv4Address;
  readonly sourcePort?: number;
  readonly destinationPort?: number;
  /** A mask of core/wire/tcp.ts TcpFlag (default SYN). */
  readonly tcpFlags?: number;
  readonly sequenceNumber?: number;
  readonly ttl?: number;
  readonly identification?: number;
  readonly dontFragment?: boolean;
  readonly payload?: Uint8Array;
  /** Send out of this device (SO_BINDTODEVICE) instead of by route. */
  readonly device?: string;
}

/** What the helper reported. */
export interface SendResult {
  readonly bytes: number;
  readonly packet: Uint8Array;
}

const HELPER = fileURLToPath(new URL('./send-helper.ts', import.meta.url));

/** The IPv4 packet a probe describes, every length and checksum filled (ICMP: an echo request). */
export function buildProbePacket(probe: SendProbe): Uint8Array {
  const ipv4 = {
    source: probe.source,
    destination: probe.destination,
    ttl: probe.ttl ?? 64,
    identification: probe.identification ?? 0,
    dontFragment: probe.dontFragment ?? false,
  };
  const payload = probe.payload ?? new Uint8Array(0);
  let spec: PacketSpec;
  if (probe.protocol === 'udp') {
    spec = { ipv4, udp: { sourcePort: probe.sourcePort ?? 0, destinationPort: probe.destinationPort ?? 0, payload } };
  } else if (probe.protocol === 'tcp') {
    spec = {
      ipv4,
      tcp: {
        sourcePort: probe.sourcePort ?? 0,
        destinationPort: probe.destinationPort ?? 0,
        sequenceNumber: probe.sequenceNumber ?? 0,
        flags: probe.tcpFlags ?? TcpFlag.Syn,
        window: 64_240,
        payload,
      },
    };
  } else {
    spec = { ipv4, icmp: { kind: 'echoRequest', code: 0, identifier: probe.sourcePort ?? 0, sequenceNumber: probe.sequenceNumber ?? 0, data: payload } };
  }
  return buildPacket(spec);
}

/** Sends one probe from a scenario namespace's sandbox; rejects with the helper's message if it fails. */
export async function sendProbe(sandbox: Sandbox, ns: string | undefined, probe: SendProbe, timeoutMs = 10_000): Promise<SendResult> {
  const packet = buildProbePacket(probe);
  const args = [formatIpv4(probe.destination), Buffer.from(packet).toString('hex'), ...(probe.device !== undefined ? [probe.device] : [])];
  const r = await runToolAsync(helperArgv(sandbox.nsName(ns), HELPER, args), { timeoutMs });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let message: { type?: string; bytes?: number; message?: string } = {};
  try {
    message = JSON.parse(line) as typeof message;
  } catch {
    // Reported below.
  }
  if (r.status !== 0 || message.type !== 'sent') {
    throw new Error(`send probe: ${message.message ?? (r.stderr.trim() || `helper exited with ${r.status ?? r.signal}`)}`);
  }
  return { bytes: message.bytes ?? 0, packet };
}
