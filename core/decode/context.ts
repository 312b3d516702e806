import type { DecodeFlags } from './flags.ts';
import type { Names } from './names.ts';
import type { TcpSeqState } from './tcp.ts';

/**
 * Thrown by a bounds-checked read past the captured bytes and caught by the frame printer, which then prints
 * ` [|proto]`: tcpdump's GET_ macros longjmp the same way (netdissect.h: nd_trunc_longjmp()). It never leaves
 * core/decode.
 */
export class Truncated {
  constructor(readonly protocol: string) {}
}

/**
 * What one frame's printers share, as tcpdump's netdissect_options does: the captured bytes, the current end of
 * the readable bytes (`snapend`, which the IP printer narrows to the datagram's total length), the name of the
 * protocol being printed (for ` [|proto]`), the flags and the output so far.
 */
export class Dissection {
  /** One past the last readable byte (netdissect.h: ndo_snapend). */
  snapend: number;
  /** The protocol name tcpdump's nd_print_trunc() prints. */
  protocol = '';
  private readonly parts: string[] = [];
  private readonly snapStack: number[] = [];

  constructor(
    readonly bytes: Uint8Array,
    readonly flags: DecodeFlags,
    readonly names: Names,
    /** The printer's TCP conversations, kept across frames for relative sequence numbers. */
    readonly tcpState: TcpSeqState,
  ) {
    this.snapend = bytes.length;
  }

  /** Appends text to the line. */
  print(text: string): void {
    this.parts.push(text);
  }

  /** The text printed so far. */
  text(): string {
    return this.parts.join('');
  }

  /** Whether `length` bytes at `at` were captured (ND_TTEST_LEN). */
  has(at: number, length: number): boolean {
    return at >= 0 && length >= 0 && at + length <= this.snapend;
  }

  /** Bytes readable from `at` (ND_BYTES_AVAILABLE_AFTER). */
  available(at: number): number {
    return Math.max(0, this.snapend - at);
  }

  /** Throws `Truncated` unless `length` bytes at `at` were captured (ND_TCHECK_LEN). */
  need(at: number, length: number): void {
    if (!this.has(at, length)) throw new Truncated(this.protocol);
  }

  u8(at: number): number {
    this.need(at, 1);
    return this.bytes[at]!;
  }

  u16(at: number): number {
    this.need(at, 2);
    return (this.bytes[at]! << 8) | this.bytes[at + 1]!;
  }

  u32(at: number): number {
    this.need(at, 4);
    return ((this.bytes[at]! << 24) | (this.bytes[at + 1]! << 16) | (this.bytes[at + 2]! << 8) | this.bytes[at + 3]!) >>> 0;
  }

  /** An IPv4 address at `at`, as tcpdump prints it (GET_IPADDR_STRING). */
  ipaddr(at: number): string {
    return this.names.ipaddr(this.u32(at));
  }

  /** Narrows the readable bytes to `length` from `at`, as nd_push_snaplen() does. */
  pushSnaplen(at: number, length: number): void {
    this.snapStack.push(this.snapend);
    this.snapend = Math.min(this.snapend, at + length);
  }

  /** Restores the readable bytes before the last `pushSnaplen` (nd_pop_packet_info()). */
  popSnaplen(): void {
    const previous = this.snapStack.pop();
    if (previous !== undefined) this.snapend = previous;
  }

  /** Prints ` [|proto]` (util-print.c: nd_print_trunc()). */
  printTrunc(): void {
    this.print(` [|${this.protocol}]`);
  }
}
