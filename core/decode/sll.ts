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

/** Prints a LINUX_SLL frame; returns the header length (print-sll.c: sll_if_print()). */
export function sllPrint(d: Dissection, length: number, caplen: number): number {
  d.protocol = 'sll';
  if (caplen < SLL_HDR_LEN) {
    d.printTrunc();
    return caplen;
  }
  const header = (): void => {
    d.print(`${packetType(d.u16(0)).padStart(3)} `);
    if (d.u16(4) === 6) d.print(`${d.names.etheraddr(d.bytes, 6)} `);
    protocolPrint(d, d.u16(14), length);
  };
  if (d.flags.e) header();
  const protocol = d.u16(14);
  if (protocol <= 1500) {
    if (!suppressDefaultPrint(d)) defaultPrint(d, SLL_HDR_LEN, caplen - SLL_HDR_LEN);
  } else if (!payloadPrint(d, protocol, SLL_HDR_LEN, length - SLL_HDR_LEN, caplen - SLL_HDR_LEN)) {
    if (!d.flags.e) header();
    if (!suppressDefaultPrint(d)) defaultPrint(d, SLL_HDR_LEN, caplen - SLL_HDR_LEN);
  }
  return SLL_HDR_LEN;
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
  const header = (): void => {
    d.print(`ifindex ${index} `);
    if (d.u8(11) === 6) d.print(`${d.names.etheraddr(d.bytes, 12)} `);
    protocolPrint(d, d.u16(0), length);
  };
  if (d.flags.e) header();
  const protocol = d.u16(0);
  if (protocol <= 1500) {
    if (!suppressDefaultPrint(d)) defaultPrint(d, SLL2_HDR_LEN, caplen - SLL2_HDR_LEN);
  } else if (!payloadPrint(d, protocol, SLL2_HDR_LEN, length - SLL2_HDR_LEN, caplen - SLL2_HDR_LEN)) {
    if (!d.flags.e) header();
    if (!suppressDefaultPrint(d)) defaultPrint(d, SLL2_HDR_LEN, caplen - SLL2_HDR_LEN);
  }
  return SLL2_HDR_LEN;
}
