import { EtherType } from '../wire/ethernet.ts';
import { arpPrint } from './arp.ts';
import type { Dissection } from './context.ts';
import { defaultPrint, suppressDefaultPrint } from './hex.ts';
import { ipPrint } from './ip.ts';
import { ETHERTYPE_NAMES } from './tables.ts';

/** The largest value of the length/type field that is a length (802.3) rather than a type (print-ether.c). */
const MAX_ETHERNET_LENGTH_VAL = 1500;
const ETHERTYPE_REVARP = 0x8035;
const VLAN_TYPES: ReadonlySet<number> = new Set([EtherType.Vlan, 0x88a8, 0x9100, 0x9200]);

function etherTypePrint(d: Dissection, type: number): void {
  const name = ETHERTYPE_NAMES.get(type);
  const hex = type.toString(16).padStart(4, '0');
  d.print(d.flags.q ? (name ?? `Unknown Ethertype (0x${hex})`) : `ethertype ${name ?? 'Unknown'} (0x${hex})`);
}

function addressesPrint(d: Dissection, at: number): void {
  d.print(`${d.names.etheraddr(d.bytes, at + 6)} > ${d.names.etheraddr(d.bytes, at)}, `);
}

/** `vlan 10, p 0` with `, DEI` when set (print-ether.c: ieee8021q_tci_string()). */
function tciString(tci: number): string {
  return `vlan ${tci & 0xfff}, p ${tci >>> 13}${tci & 0x1000 ? ', DEI' : ''}`;
}

/**
 * Prints an Ethernet frame of `length` bytes on the wire, `caplen` of them captured, at `at`; returns the link
 * header length, as the -x dump skips it (print-ether.c: ether_common_print() of tcpdump 4.99).
 */
export function etherPrint(d: Dissection, at: number, length: number, caplen: number): number {
  d.protocol = 'ether';
  if (caplen < 14) {
    d.printTrunc();
    return caplen;
  }
  const origLength = length;
  let p = at + 12;
  let len = length - 12;
  let cap = caplen - 12;
  let hdrlen = 12;
  if (d.flags.e) addressesPrint(d, at);
  let type = d.u16(p);
  p += 2;
  len -= 2;
  cap -= 2;
  hdrlen += 2;
  let printedLength = false;
  while (VLAN_TYPES.has(type)) {
    if (cap < 4 || len < 4) {
      d.protocol = 'vlan';
      d.printTrunc();
      return hdrlen + Math.min(cap < 4 ? cap : len, cap);
    }
    if (d.flags.e) {
      const tci = d.u16(p);
      etherTypePrint(d, type);
      d.print(printedLength ? ', ' : `, length ${origLength}: `);
      printedLength = true;
      d.print(`${tciString(tci)}, `);
    }
    type = d.u16(p + 2);
    p += 4;
    len -= 4;
    cap -= 4;
    hdrlen += 4;
  }
  if (type <= MAX_ETHERNET_LENGTH_VAL) {
    // 802.3 with an LLC header: tcpdump's llc_print() is not reproduced; the payload is dumped as unknown.
    if (d.flags.e) {
      d.print('802.3');
      if (!printedLength) d.print(`, length ${type}: `);
    } else {
      d.print(`${d.names.etheraddr(d.bytes, at + 6)} > ${d.names.etheraddr(d.bytes, at)}, 802.3, length ${type}: `);
    }
    if (!suppressDefaultPrint(d)) defaultPrint(d, p, Math.min(cap, type));
    return hdrlen;
  }
  if (d.flags.e) {
    etherTypePrint(d, type);
    d.print(printedLength ? ', ' : `, length ${origLength}: `);
  }
  if (type === EtherType.Ipv4) {
    ipPrint(d, p, len);
  } else if (type === EtherType.Arp || type === ETHERTYPE_REVARP) {
    arpPrint(d, p, len, cap);
  } else {
    if (!d.flags.e) {
      addressesPrint(d, at);
      etherTypePrint(d, type);
      d.print(`, length ${origLength}: `);
    }
    if (!suppressDefaultPrint(d)) defaultPrint(d, p, cap);
  }
  return hdrlen;
}
