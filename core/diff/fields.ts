import { formatIpv4, readIpv4 } from '../ipv4.ts';
import { formatMac, readMac } from '../mac.ts';
import { read16 } from '../wire/bytes.ts';
import { describeStatus } from './checksum-status.ts';
import { ETHERNET_LINK, type DiffFrame } from './frame.ts';
import { Family, normaliseFrame, TokenKind, type FieldSink, type NormaliseContext } from './normalise.ts';

/** One field of a frame as the normalisation walk names it, with how it is compared. */
export type FrameField =
  | { readonly kind: 'exact'; readonly name: string; readonly offset: number; readonly length: number }
  | { readonly kind: 'token'; readonly name: string; readonly offset: number; readonly length: number; readonly tokenKind: TokenKind; readonly token: number }
  | { readonly kind: 'variable'; readonly name: string; readonly offset: number; readonly length: number; readonly family: Family; readonly value: number };

/** The fields of frame `index` of a capture, in wire order (the walk of `normaliseFrame`); a non-Ethernet frame is one field. */
export function frameFields(frame: DiffFrame, index: number, context: NormaliseContext): FrameField[] {
  const out: FrameField[] = [];
  if ((frame.linkType ?? ETHERNET_LINK) !== ETHERNET_LINK) {
    out.push({ kind: 'exact', name: 'frame.bytes', offset: 0, length: frame.data.length });
    return out;
  }
  const sink: FieldSink = {
    exact: (name, offset, length) => out.push({ kind: 'exact', name, offset, length }),
    token: (name, offset, length, tokenKind, token) => out.push({ kind: 'token', name, offset, length, tokenKind, token }),
    variable: (name, offset, length, family, value) => out.push({ kind: 'variable', name, offset, length, family, value }),
  };
  context.tcp.frame = index;
  normaliseFrame(frame.data, context, sink);
  return out;
}

const TCP_FLAG_LETTERS: readonly [number, string][] = [
  [0x02, 'S'],
  [0x01, 'F'],
  [0x08, 'P'],
  [0x04, 'R'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
  [0x10, '.'],
];

/** TCP flags as tcpdump prints them (print-tcp.c: tcp_flag_values): `[S.]`, `[R]`, `[none]`. */
function tcpFlags(byte: number): string {
  const letters = TCP_FLAG_LETTERS.filter(([bit]) => byte & bit).map(([, l]) => l).join('');
  return `[${letters || 'none'}]`;
}

/** The bytes of a field as hex, at most `max` of them. */
function hex(data: Uint8Array, offset: number, length: number, max = 16): string {
  const shown = Array.from(data.subarray(offset, offset + Math.min(length, max)), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return length > max ? `${shown} …` : shown;
}

/** A field's value as a report prints it: MACs and addresses in their usual forms, numbers in decimal. */
export function showField(field: FrameField, data: Uint8Array): string {
  const { name, offset, length } = field;
  if (field.kind === 'token') {
    return field.tokenKind === TokenKind.Checksum ? describeStatus(field.token, read16(data, offset)) : `${field.token} (relative)`;
  }
  if (field.kind === 'variable') {
    switch (field.family) {
      case Family.Mac:
        return formatMac(field.value);
      case Family.IpId:
        return `${field.value % 0x10000}`;
      case Family.Timeval:
        return hex(data, offset, length);
      case Family.TcpTimestamp:
        return `${field.value} ms (relative)`;
      default:
        return `${field.value}`;
    }
  }
  if (length === 6 && /(^|\.)(eth\.(dst|src)|arp\.(sha|tha))$/.test(name)) return formatMac(readMac(data, offset));
  if (length === 4 && /(\.src|\.dst|arp\.spa|arp\.tpa)$/.test(name)) return formatIpv4(readIpv4(data, offset));
  if (name.endsWith('tcp.flags')) return tcpFlags(data[offset]!);
  if (name.endsWith('eth.type') || name.endsWith('ipv4.tos') || name.endsWith('ipv4.ihl')) {
    return `0x${Array.from(data.subarray(offset, offset + length), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  if (length <= 4 && !/(bytes|payload|data|body|trailer|options|rest)$/.test(name)) {
    let v = 0;
    for (let i = 0; i < length; i++) v = v * 256 + data[offset + i]!;
    return `${v}`;
  }
  return `${length} bytes: ${hex(data, offset, length)}`;
}

/** For byte strings longer than a number: where two differ first, as `N bytes, from byte K: …`. */
export function showBytesDifference(a: Uint8Array, aField: FrameField, b: Uint8Array, bField: FrameField): [string, string] {
  let k = 0;
  while (k < aField.length && k < bField.length && a[aField.offset + k] === b[bField.offset + k]) k++;
  const from = Math.max(0, k - 4);
  const side = (d: Uint8Array, f: FrameField): string => `${f.length} bytes, from byte ${from}: ${hex(d, f.offset + from, f.length - from, 12)}`;
  return [side(a, aField), side(b, bField)];
}

/** IPv4 flags and fragment offset of the 16-bit field (RFC 791), as tcpdump prints them. */
export function showFragmentField(data: Uint8Array, offset: number): { flags: string; offset: string } {
  const word = read16(data, offset);
  // print-ip.c: ip_frag_values, printed in table order: MF "+", DF "DF", the reserved bit "rsvd".
  const flags = [word & 0x2000 ? '+' : '', word & 0x4000 ? 'DF' : '', word & 0x8000 ? 'rsvd' : ''].filter(Boolean);
  return { flags: `[${flags.join('') || 'none'}]`, offset: `${(word & 0x1fff) * 8}` };
}
