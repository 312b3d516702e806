import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arpLen, emitArp, parseArp } from '../../../core/wire/arp.ts';
import { emitEthernet, ethernetHeaderLen, EtherType, parseEthernet } from '../../../core/wire/ethernet.ts';
import { checkIcmpChecksum, emitIcmp, IcmpType, parseIcmp } from '../../../core/wire/icmp.ts';
import { checkIgmpChecksum, emitIgmp, parseIgmp } from '../../../core/wire/igmp.ts';
import { checkIpv4Checksum, emitIpv4, IpProtocol, parseIpv4, parseIpv4Header, parseIpv4Options } from '../../../core/wire/ipv4.ts';
import { checkTcpChecksum, emitTcp, parseTcp, parseTcpOptions } from '../../../core/wire/tcp.ts';
import { checkUdpChecksum, emitUdp, parseUdp } from '../../../core/wire/udp.ts';
import { prefilled, unwrap } from './support.ts';

/*
 * Every frame of every real capture in the repository (the shared fixtures/pcap set, recorded by another script on
 * other topologies, and this folder's own captures/) goes through every layer: each parses, each re-emits to the same
 * bytes, each checksum verifies or is exactly an offloading sender's partial sum (KERNEL-NOTES.md), and no option
 * list holds a malformed entry.
 */

const ROOT = new URL('../../../', import.meta.url).pathname;
const DIRS = [join(ROOT, 'fixtures/pcap'), join(ROOT, 'test/core/wire/captures')];

/** The frames of a classic little-endian pcap file (the files here are all that; a minimal reader, not core/pcap). */
function readPcap(path: string): Uint8Array[] {
  const file = new Uint8Array(readFileSync(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  expect(view.getUint32(0, true)).toBe(0xa1b2c3d4);
  const frames: Uint8Array[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const captured = view.getUint32(at + 8, true);
    frames.push(file.subarray(at + 16, at + 16 + captured));
    at += 16 + captured;
  }
  return frames;
}

/** Emits `emit` into a 0xa5-filled buffer of `bytes.length` and expects the same bytes. */
function expectReemits(bytes: Uint8Array, emit: (buffer: Uint8Array) => number): void {
  const buffer = prefilled(bytes.length);
  expect(emit(buffer)).toBe(bytes.length);
  expect(buffer).toEqual(bytes);
}

const seen = { frames: 0, arp: 0, icmp: 0, igmp: 0, udp: 0, tcp: 0, partial: 0, fragments: 0 };

function checkFrame(frame: Uint8Array): void {
  seen.frames++;
  const eth = unwrap(parseEthernet(frame));
  const headerLength = ethernetHeaderLen(eth);
  expectReemits(frame.subarray(0, headerLength), (b) => emitEthernet(eth, b));
  const rest = frame.subarray(headerLength);
  if (eth.etherType === EtherType.Arp) {
    seen.arp++;
    const arp = unwrap(parseArp(rest));
    expectReemits(rest.subarray(0, arpLen(arp)), (b) => emitArp(arp, b));
    return;
  }
  expect(eth.etherType).toBe(EtherType.Ipv4);
  const ip = unwrap(parseIpv4(rest));
  const packet = rest.subarray(0, ip.totalLength);
  expect(checkIpv4Checksum(packet).valid).toBe(true);
  expectReemits(packet, (b) => emitIpv4(ip, b, 0, 'keep'));
  expect(parseIpv4Options(ip.options).some((o) => o.kind === 'malformed' || o.kind === 'unknown')).toBe(false);
  if (ip.fragmentOffset !== 0 || ip.moreFragments) {
    seen.fragments++;
    // Only the whole datagram carries a checksum that can verify; a first fragment still parses.
    if (ip.fragmentOffset !== 0) return;
  }
  const whole = !ip.moreFragments;
  const body = ip.payload;
  switch (ip.protocol) {
    case IpProtocol.Icmp: {
      seen.icmp++;
      const icmp = unwrap(parseIcmp(body));
      if (whole) expect(checkIcmpChecksum(body).valid).toBe(true);
      expectReemits(body, (b) => emitIcmp(icmp, b, 0, 'keep'));
      if (icmp.kind === 'destinationUnreachable' || icmp.kind === 'timeExceeded' || icmp.kind === 'redirect') {
        const quoted = unwrap(parseIpv4Header(icmp.data));
        expect(icmp.data.length).toBeGreaterThanOrEqual(20 + 8); // the IP header and at least 8 bytes of the datagram
        expect(quoted.ttl).toBeGreaterThan(0);
      }
      expect([IcmpType.EchoRequest, IcmpType.EchoReply, IcmpType.DestinationUnreachable, IcmpType.TimeExceeded, IcmpType.Redirect]).toContain(body[0]);
      break;
    }
    case IpProtocol.Igmp: {
      seen.igmp++;
      const igmp = unwrap(parseIgmp(body));
      expect(checkIgmpChecksum(body).valid).toBe(true);
      expectReemits(body, (b) => emitIgmp(igmp, b, 0, 'keep'));
      break;
    }
    case IpProtocol.Udp: {
      seen.udp++;
      const udp = unwrap(parseUdp(body));
      const check = checkUdpChecksum(body, ip.source, ip.destination);
      expect(check.valid || check.partial).toBe(true);
      if (check.partial) seen.partial++;
      expectReemits(body, (b) => emitUdp(udp, b, 0, check.valid ? 'full' : 'partial', ip.source, ip.destination));
      break;
    }
    case IpProtocol.Tcp: {
      seen.tcp++;
      const tcp = unwrap(parseTcp(body));
      const check = checkTcpChecksum(body, ip.source, ip.destination);
      expect(check.valid || check.partial).toBe(true);
      if (check.partial) seen.partial++;
      expect(parseTcpOptions(tcp.options).some((o) => o.kind === 'malformed' || o.kind === 'unknown')).toBe(false);
      expectReemits(body, (b) => emitTcp(tcp, b, 0, check.valid ? 'full' : 'partial', ip.source, ip.destination));
      break;
    }
    default:
      throw new Error(`unexpected protocol ${ip.protocol}`);
  }
}

describe('every frame of every real capture', () => {
  const files = DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.pcap'))
      .map((name) => join(dir, name)),
  );

  it.each(files)('%s parses layer by layer, re-emits byte for byte, and its checksums verify or are partial', (path) => {
    const frames = readPcap(path);
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) checkFrame(frame);
  });

  it('covered every protocol, offloaded checksums and fragments', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const key of Object.keys(seen) as (keyof typeof seen)[]) seen[key] = 0;
    for (const path of files) for (const frame of readPcap(path)) checkFrame(frame);
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
  });
});
