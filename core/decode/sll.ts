import { EtherType } from '../wire/ethernet.ts';
import { arpPrint } from './arp.ts';
import type { Dissection } from './context.ts';
import { defaultPrint, suppressDefaultPrint } from './hex.ts';
import { ipPrint } from './ip.ts';
import { ETHERTYPE_NAMES } from './tables.ts';

/*
 * Linux cooked captures (`tcpdump -i any`) [LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2] (print-sll.c):
 *
 *   SLL (16 bytes): packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2)
 *   SLL2 (20 bytes): protocol (2), reserved (2), interface index (4), ARPHRD type (2), packet type (1),
 *                    address length (1), address (8)
 */
const SLL_HDR_LEN = 16;
const SLL2_HDR_LEN = 20;
const PACKET_TYPES = ['In', 'B', 'M', 'P', 'Out'];

function packetType(type: number): string {
  return PACKET_TYPES[type] ?? '?';
}

/** `ethertype IPv4 (0x0800), length N: ` of the cooked header, unless -q (print-sll.c: sll_print()). */
function protocolPrint(d: Dissection, protocol: number, length: number): void {
  if (d.flags.q) return;
  const hex = protocol.toString(16).padStart(4, '0');
  if (protocol <= 1500) d.print(protocol === 1 ? '802.3' : protocol === 4 ? '802.2' : `ethertype Unknown (0x${hex})`);
  else d.print(`ethertype ${ETHERTYPE_NAMES.get(protocol) ?? 'Unknown'} (0x${hex})`);
  d.print(`, length ${length}: `);
}

/** The payload after the cooked header; false when tcpdump has no printer for its protocol. */
function payloadPrint(d: Dissection, protocol: number, at: number, length: number, caplen: number): boolean {
  if (protocol === EtherType.Ipv4) ipPrint(d, at, length);
  else if (protocol === EtherType.Arp || protocol === 0x8035) arpPrint(d, at, length, caplen);
  else return false;
  return true;
}

/**
 * What follows a cooked header of `hdrlen` bytes: 802.1Q tags (`vlan 1, p 0, ethertype ARP, `), then the payload,
 * or `header()` and a hex dump for a protocol tcpdump does not know; returns the header length consumed
 * (print-sll.c: the `recurse:` part of sll_if_print()).
 */
function cookedPrint(d: Dissection, protocolAt: number, hdrlen: number, length: number, caplen: number, header: (length: number) => void): number {
  let protocol = d.u16(protocolAt);
  let p = hdrlen;
  let len = length - hdrlen;
  let cap = caplen - hdrlen;
  for (;;) {
    if (protocol <= 1500) {
      if (!suppressDefaultPrint(d)) defaultPrint(d, p, cap);
      return p;
    }
    if (protocol !== EtherType.Vlan) break;
    if (cap < 4 || len < 4) {
      d.protocol = 'vlan';
      d.printTrunc();
      return p + Math.min(cap, len);
    }
    if (d.flags.e) {
      const tci = d.u16(p);
      d.print(`vlan ${tci & 0xfff}, p ${tci >>> 13}${tci & 0x1000 ? ', DEI' : ''}, `);
    }
    protocol = d.u16(p + 2);
    if (protocol <= 1500) protocol = 4;
    if (!d.flags.q) d.print(`ethertype ${ETHERTYPE_NAMES.get(protocol) ?? 'Unknown'}, `);
    p += 4;
    len -= 4;
    cap -= 4;
  }
  if (!payloadPrint(d, protocol, p, len, cap)) {
    // The length tcpdump shows here is what is left after the tags, plus the cooked header.
    if (!d.flags.e) header(len + hdrlen);
    if (!suppressDefaultPrint(d)) defaultPrint(d, p, cap);
  }
  return p;
}

/** Prints a LINUX_SLL frame; returns the header length (print-sll.c: sll_if_print()). */
export function sllPrint(d: Dissection, length: number, caplen: number): number {
  d.protocol = 'sll';
  if (caplen < SLL_HDR_LEN) {
    d.printTrunc();
    return caplen;
  }
  const header = (shown: number): void => {
    d.print(`${packetType(d.u16(0)).padStart(3)} `);
    if (d.u16(4) === 6) d.print(`${d.names.etheraddr(d.bytes, 6)} `);
    protocolPrint(d, d.u16(14), shown);
  };
  if (d.flags.e) header(length);
  return cookedPrint(d, 14, SLL_HDR_LEN, length, caplen, header);
}

/**
 * Prints a LINUX_SLL2 frame: the interface's name (`?` when unknown: tcpdump asks the running system) and the
 * packet type, then the payload; returns the header length (print-sll.c: sll2_if_print() of tcpdump 4.99).
 */
export function sll2Print(d: Dissection, length: number, caplen: number, interfaceName?: (index: number) => string | undefined): number {
  d.protocol = 'sll2';
  if (caplen < SLL2_HDR_LEN) {
    d.printTrunc();
    return caplen;
  }
  const index = d.u32(4);
  d.print(`${(interfaceName?.(index) ?? '?').padEnd(5)} ${packetType(d.u8(10)).padEnd(3)} `);
  const header = (shown: number): void => {
    d.print(`ifindex ${index} `);
    if (d.u8(11) === 6) d.print(`${d.names.etheraddr(d.bytes, 12)} `);
    protocolPrint(d, d.u16(0), shown);
  };
  if (d.flags.e) header(length);
  return cookedPrint(d, 0, SLL2_HDR_LEN, length, caplen, header);
}
