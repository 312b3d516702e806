import { Truncated, type Dissection } from './context.ts';

/* The raw dumps of -x, -X and -A and of unknown payloads (print-ascii.c). */

const HEX = '0123456789abcdef';

function hex2(b: number): string {
  return HEX[b >> 4]! + HEX[b & 15]!;
}

/** ND_ASCII_ISGRAPH: printable and not a space. */
function isGraph(b: number): boolean {
  return b > 0x20 && b < 0x7f;
}

/**
 * Hex and ASCII, 16 bytes a line: `{indent}0x0010:  4500 0054 …  E..T` (print-ascii.c:
 * hex_and_ascii_print_with_offset()); bytes past the capture end it with ` [|proto]`.
 */
export function hexAndAsciiPrint(d: Dissection, indent: string, at: number, length: number): void {
  let n = length;
  const truncated = n > d.available(at);
  if (truncated) n = d.available(at);
  let offset = 0;
  let hex = '';
  let ascii = '';
  const flush = (): void => {
    d.print(`${indent}0x${offset.toString(16).padStart(4, '0')}: ${hex.padEnd(40)}  ${ascii}`);
    offset += 16;
    hex = '';
    ascii = '';
  };
  for (let i = 0; i < n; i++) {
    const b = d.bytes[at + i]!;
    hex += (i % 2 === 0 ? ' ' : '') + hex2(b);
    ascii += isGraph(b) ? String.fromCharCode(b) : '.';
    if (i % 16 === 15) flush();
  }
  if (hex !== '') flush();
  if (truncated) throw new Truncated(d.protocol);
}

/** Hex only, 16 bytes a line: `{indent}0x0000:  4500 0054` (print-ascii.c: hex_print_with_offset()). */
export function hexPrint(d: Dissection, indent: string, at: number, length: number): void {
  let n = length;
  const truncated = n > d.available(at);
  if (truncated) n = d.available(at);
  let line = '';
  for (let i = 0; i < n; i++) {
    if (i % 16 === 0) line += `${indent}0x${i.toString(16).padStart(4, '0')}: `;
    line += (i % 2 === 0 ? ' ' : '') + hex2(d.bytes[at + i]!);
  }
  d.print(line);
  if (truncated) throw new Truncated(d.protocol);
}

/** The bytes as text after a newline, non-printing ones as `.`, a CR before LF dropped (print-ascii.c: ascii_print()). */
export function asciiPrint(d: Dissection, at: number, length: number): void {
  const truncated = length > d.available(at);
  const n = Math.min(length, d.available(at));
  let s = '\n';
  for (let i = 0; i < n; i++) {
    const b = d.bytes[at + i]!;
    if (b === 0x0d) {
      // Only a CR with more than one byte after it and no LF next shows (print-ascii.c: `length > 1`).
      if (n - i - 1 > 1 && d.bytes[at + i + 1] !== 0x0a) s += '.';
    } else {
      s += isGraph(b) || b === 0x09 || b === 0x20 || b === 0x0a ? String.fromCharCode(b) : '.';
    }
  }
  d.print(s);
  if (truncated) throw new Truncated(d.protocol);
}

/** What tcpdump prints for a payload it has no printer for: hex and ASCII after `\n\t` (tcpdump.c: ndo_default_print()). */
export function defaultPrint(d: Dissection, at: number, length: number): void {
  hexAndAsciiPrint(d, '\n\t', at, length);
}

/** Whether callers that check it skip `defaultPrint`: -q, -x and -X set it, -A does not (tcpdump.c: ndo_suppress_default_print). */
export function suppressDefaultPrint(d: Dissection): boolean {
  return d.flags.q || d.flags.x > 0 || d.flags.X > 0;
}
