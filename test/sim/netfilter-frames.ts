import { createPrinter } from '../../core/decode/printer.ts';
import { LinkType } from '../../core/pcap/format.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import type { CapturedFrame } from '../../sim/exec/capture.ts';

/** tcpdump -ennvvt (core/decode, checked against tcpdump itself elsewhere): one frame per line group. */
const FLAGS = { e: true, n: 2, v: 2, t: 1 } as const;

/** The simulator's frames of one capture point as `tcpdump -ennvvt` prints them. */
export function printFrames(frames: readonly CapturedFrame[]): string[] {
  const printer = createPrinter(FLAGS);
  return frames.flatMap((f) => printer.print({ data: f.data, originalLength: f.data.length, seconds: Math.floor(f.at / 1e9), nanoseconds: f.at % 1e9, linkType: LinkType.En10mb }).split('\n')).filter((l) => l !== '');
}

/** A kernel capture file as `tcpdump -ennvvt -r FILE` prints it. */
export function printPcap(path: string): string[] {
  const printer = createPrinter(FLAGS);
  const lines: string[] = [];
  for (const r of readCapture(path)) {
    if (!r.ok) throw new Error(r.error.message);
    lines.push(...printer.print(r.value).split('\n').filter((l) => l !== ''));
  }
  return lines;
}

/**
 * A printed frame line with what differs between runs masked: IP and ICMP identifiers, ephemeral ports, TCP
 * sequence numbers and timestamps, the checksum a field should have had (it depends on those), ping's
 * identifier where tcpdump shows it as the port of a quoted ICMP packet. Partial checksums stay: they depend on
 * addresses and lengths only.
 */
export function normaliseFrameLine(line: string): string {
  return line
    .replace(/\bid \d+/g, 'id N')
    .replace(/\b(seq|ack) (\d{4,})/g, '$1 N')
    .replace(/\(incorrect -> 0x[0-9a-f]{4}\)/g, '(incorrect -> X)')
    .replace(/cksum 0x[0-9a-f]{4} \(correct\)/g, 'cksum X (correct)')
    .replace(/(\[bad udp cksum 0x[0-9a-f]{4}) -> 0x[0-9a-f]{4}!\]/g, '$1 -> X!]')
    .replace(/\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\.(\d{5})\b/g, (m, a: string, p: string) => (Number(p) >= 32768 ? `${a}.EPH` : m))
    .replace(/TS val \d+ ecr \d+/g, 'TS val N ecr N')
    .replace(/protocol 1 port \d+ unreachable/g, 'protocol 1 port N unreachable');
}
