/**
 * The IPv4 record route option on the way through a stack (net/ipv4/ip_options.c), as measured on Linux 6.18
 * (fixtures/regressions/ip-record-route): a host that takes a datagram in records an address in the next free
 * slot (ip_options_compile(): the datagram's destination when it is ours, else the source of the route back,
 * fib_compute_spec_dst()) without fixing the header checksum; a router then puts its outgoing address in that slot
 * and fixes it (ip_forward_options()); an answer (echo reply, ICMP error, TCP reset) carries the option back with
 * what it recorded, one more slot taken for the answering host's own outgoing address (ip_options_echo(),
 * ip_options_build()). Router alert is not echoed. Other options are left as they are.
 */
import { internetChecksum } from '../core/checksum.ts';
import type { Ipv4Address } from '../core/ipv4.ts';
import { writeIpv4 } from '../core/ipv4.ts';
import { Ipv4OptionType } from '../core/wire/ipv4.ts';

/** Where a datagram's record route option starts (offset in the datagram), or -1. */
export function findRecordRoute(datagram: Uint8Array): number {
  const headerLength = (datagram[0]! & 0x0f) * 4;
  let at = 20;
  while (at < headerLength) {
    const type = datagram[at]!;
    if (type === Ipv4OptionType.EndOfList) return -1;
    if (type === Ipv4OptionType.NoOperation) {
      at++;
      continue;
    }
    const length = datagram[at + 1] ?? 0;
    if (length < 2 || at + length > headerLength) return -1;
    if (type === Ipv4OptionType.RecordRoute) return at;
    at += length;
  }
  return -1;
}

/** Whether a datagram carries IP options at all (the only case that needs a copy before recording). */
export function hasOptions(datagram: Uint8Array): boolean {
  return (datagram[0]! & 0x0f) > 5;
}

/**
 * ip_options_compile() on input: `address` goes into the next free slot and the pointer moves on; the header
 * checksum is left as it was. Returns whether a slot was filled (rr_needaddr).
 */
export function recordOnInput(datagram: Uint8Array, address: Ipv4Address): boolean {
  const rr = findRecordRoute(datagram);
  if (rr < 0) return false;
  const length = datagram[rr + 1]!;
  const pointer = datagram[rr + 2]!;
  if (pointer < 4 || pointer + 3 > length) return false;
  writeIpv4(datagram, rr + pointer - 1, address);
  datagram[rr + 2] = pointer + 4;
  return true;
}

/** ip_forward_options(): the slot input just filled gets the outgoing address, and the header checksum is fixed. */
export function recordOnForward(datagram: Uint8Array, address: Ipv4Address): void {
  const rr = findRecordRoute(datagram);
  if (rr < 0) return;
  const pointer = datagram[rr + 2]!;
  if (pointer < 8) return;
  writeIpv4(datagram, rr + pointer - 5, address);
  fixHeaderChecksum(datagram);
}

/**
 * ip_options_echo() + ip_options_build(): the option bytes an answer to `received` carries: its record route as
 * received (recorded slots included), with `outgoing` in the next slot when there is room; padded with
 * end-of-list to a multiple of four. Undefined when there is nothing to echo.
 */
export function echoedOptions(received: Uint8Array, outgoing: Ipv4Address): Uint8Array | undefined {
  const rr = findRecordRoute(received);
  if (rr < 0) return undefined;
  const length = received[rr + 1]!;
  const option = received.slice(rr, rr + length);
  const pointer = option[2]!;
  if (pointer >= 4 && pointer + 3 <= length) {
    writeIpv4(option, pointer - 1, outgoing);
    option[2] = pointer + 4;
  }
  const out = new Uint8Array(Math.ceil(length / 4) * 4);
  out.set(option);
  return out;
}

function fixHeaderChecksum(datagram: Uint8Array): void {
  const headerLength = (datagram[0]! & 0x0f) * 4;
  datagram[10] = 0;
  datagram[11] = 0;
  const c = internetChecksum(datagram, 0, headerLength);
  datagram[10] = c >>> 8;
  datagram[11] = c & 0xff;
}
