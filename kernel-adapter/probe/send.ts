/**
 * `send` probes on the kernel (DESIGN.md §2 "traffic", §4): crafted IPv4 packets (protocol, addresses, ports,
 * TCP flags, ICMP type, TTL, TOS, ID, DF, options, payload) built by core/wire/probe.ts, the function the
 * simulator's `send` uses too, and sent from inside a sandbox namespace through raw-socket (send-helper.ts). The
 * probe's fields are the parser's `send` command (core/scenario/commands.ts: Send), so a parsed command can be
 * passed as it is.
 */
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { formatIpv4, parseIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import { buildProbePacket, type SendProbe } from '../../core/wire/probe.ts';
import { runToolAsync } from '../exec.ts';
import { helperArgv } from '../node-helper.ts';
import type { Sandbox } from '../sandbox.ts';

/** What was sent. */
export interface SendResult {
  /** Bytes the kernel accepted, per packet. */
  readonly bytes: readonly number[];
  /** The packets as built (the kernel fills nothing more: source, ID and checksums are all set). */
  readonly packets: readonly Uint8Array[];
}

const HELPER = fileURLToPath(new URL('./send-helper.ts', import.meta.url));

export { buildProbePacket, type SendProbe };

/** Linux's default ephemeral range (net.ipv4.ip_local_port_range 32768 60999), for a probe without `sport`. */
function ephemeralPort(): number {
  return randomInt(32_768, 61_000);
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
