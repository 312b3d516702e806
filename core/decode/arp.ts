import { ArpOperation } from '../wire/arp.ts';
import { EtherType } from '../wire/ethernet.ts';
import type { Dissection } from './context.ts';
import { defaultPrint } from './hex.ts';
import { hexAddress } from './names.ts';
import { ARPHRD_NAMES, ARPOP_NAMES, ETHERTYPE_NAMES } from './tables.ts';

const ETHERTYPE_TRAIL = 0x1000;

/**
 * Prints an ARP or RARP packet [RFC 826, RFC 903]: `Request who-has A tell B, length 28`, with the hardware and
 * protocol types under -v or when they are not Ethernet/IPv4 (print-arp.c: arp_print()).
 */
export function arpPrint(d: Dissection, at: number, length: number, caplen: number): void {
  d.protocol = 'arp';
  d.need(at, 8);
  const hrd = d.u16(at);
  const pro = d.u16(at + 2);
  const hln = d.u8(at + 4);
  const pln = d.u8(at + 5);
  const op = d.u16(at + 6);
  const sha = at + 8;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  d.need(tpa, pln);
  if (!d.flags.e) d.print('ARP, ');
  const ipv4 = pro === EtherType.Ipv4 || pro === ETHERTYPE_TRAIL;
  if (!ipv4 || pln !== 4 || hln === 0 || d.flags.v > 0) {
    d.print(
      `${ARPHRD_NAMES.get(hrd) ?? `Unknown Hardware (${hrd})`} (len ${hln}), ` +
        `${ETHERTYPE_NAMES.get(pro) ?? `Unknown Protocol (0x${pro.toString(16).padStart(4, '0')})`} (len ${pln})`,
    );
    if (d.flags.v === 0) {
      d.print(`, length ${length}`);
      return;
    }
  }
  d.print(`${d.flags.v > 0 ? ', ' : ''}${ARPOP_NAMES.get(op) ?? `Unknown (${op})`} `);
  const protocolAddress = (where: number): string => (!ipv4 ? '<wrong proto type>' : pln !== 4 ? '<wrong len>' : d.ipaddr(where));
  const linkAddress = (where: number): string =>
    hln === 0 ? '<empty>' : hln === 6 ? d.names.etheraddr(d.bytes, where) : hexAddress(d.bytes, where, hln);
  switch (op) {
    case ArpOperation.Request: {
      d.print(`who-has ${protocolAddress(tpa)}`);
      if (d.bytes.subarray(tha, tha + hln).some((b) => b !== 0)) d.print(` (${linkAddress(tha)})`);
      d.print(` tell ${protocolAddress(spa)}`);
      break;
    }
    case ArpOperation.Reply:
      d.print(`${protocolAddress(spa)} is-at ${linkAddress(sha)}`);
      break;
    case ArpOperation.ReverseRequest:
    case ArpOperation.InverseRequest:
      d.print(`who-is ${linkAddress(tha)} tell ${linkAddress(sha)}`);
      break;
    case ArpOperation.ReverseReply:
      d.print(`${linkAddress(tha)} at ${protocolAddress(tpa)}`);
      break;
    case ArpOperation.InverseReply:
      d.print(`${linkAddress(sha)} at ${protocolAddress(spa)}`);
      break;
    default:
      defaultPrint(d, at, caplen);
      return;
  }
  d.print(`, length ${length}`);
}
