import { LinkType } from '../pcap/format.ts';
import { Dissection, Truncated } from './context.ts';
import { etherPrint } from './ether.ts';
import { DEFAULT_FLAGS, type DecodeFlags } from './flags.ts';
import { asciiPrint, hexAndAsciiPrint, hexPrint } from './hex.ts';
import { createNames, type NameDatabase } from './names.ts';
import { sllPrint, sll2Print } from './sll.ts';
import type { TcpSeqState } from './tcp.ts';
import { TimestampPrinter, ZoneOffsets } from './time.ts';

/** One captured frame as the printer needs it: a `PcapRecord` is one. */
export interface DecodableFrame {
  readonly seconds: number;
  readonly nanoseconds: number;
  readonly data: Uint8Array;
  readonly originalLength: number;
  readonly linkType: number;
}

/** Options of a printer beyond tcpdump's flags. */
export interface PrinterOptions {
  /** IANA time zone for the local times of the default and -tttt forms; default: the process's (TZ), as tcpdump. */
  readonly timeZone?: string;
  /** Service and protocol names for -n and no -n (/etc/services, /etc/protocols); default: none, numbers. */
  readonly names?: NameDatabase;
  /** Interface names by index for LINUX_SLL2 captures (tcpdump asks the running system: if_indextoname()). */
  readonly interfaceName?: (index: number) => string | undefined;
}

/** A tcpdump printer over a stream of frames: stateful, as tcpdump keeps TCP sequence bases and -ttt references. */
export interface FramePrinter {
  /** The text tcpdump prints for the frame, without the final newline (a frame may take several lines). */
  print(frame: DecodableFrame): string;
}

/** tcpdump's name and description of a link type, for `reading from file …, link-type EN10MB (Ethernet)` (libpcap pcap.c: dlt_choices). */
export function linkTypeDescription(linkType: number): string {
  switch (linkType) {
    case LinkType.Null:
      return 'NULL (BSD loopback)';
    case LinkType.En10mb:
      return 'EN10MB (Ethernet)';
    case LinkType.Raw:
      return 'RAW (Raw IP)';
    case LinkType.LinuxSll:
      return 'LINUX_SLL (Linux cooked v1)';
    case LinkType.LinuxSll2:
      return 'LINUX_SLL2 (Linux cooked v2)';
    default:
      return `${linkType}`;
  }
}

/** The line tcpdump -r writes to stderr before the frames (tcpdump.c: main()). */
export function readingBanner(path: string, linkType: number, snaplen: number): string {
  return `reading from file ${path}, link-type ${linkTypeDescription(linkType)}, snapshot length ${snaplen}`;
}

/** MAXIMUM_SNAPLEN of tcpdump's netdissect.h. */
const MAXIMUM_SNAPLEN = 262144;

/** The line for a record header tcpdump refuses to print (print.c: pretty_print_packet()). */
function invalidHeader(caplen: number, len: number): string | undefined {
  const problems: string[] = [];
  if (caplen === 0) problems.push('caplen==0');
  if (len === 0) problems.push('len==0');
  if (caplen > len) problems.push(`caplen(${caplen}) > len(${len})`);
  if (caplen > MAXIMUM_SNAPLEN) problems.push(`caplen(${caplen}) > ${MAXIMUM_SNAPLEN}`);
  if (len > MAXIMUM_SNAPLEN) problems.push(`len(${len}) > ${MAXIMUM_SNAPLEN}`);
  return problems.length === 0 ? undefined : `[Invalid header: ${problems.join(', ')}]`;
}

/**
 * A printer that renders frames exactly as tcpdump 4.99.3 `-r FILE FLAGS` does (print.c: pretty_print_packet()):
 * optional packet number, timestamp, the link-layer printer's text, then the -x/-X/-A dump.
 */
export function createPrinter(flags: Partial<DecodeFlags> = {}, options: PrinterOptions = {}): FramePrinter {
  const f: DecodeFlags = { ...DEFAULT_FLAGS, ...flags };
  const names = createNames(f.n, options.names);
  const times = new TimestampPrinter(f.t, f.nano, new ZoneOffsets(options.timeZone));
  const tcpState: TcpSeqState = new Map();
  let count = 0;
  return {
    print(frame: DecodableFrame): string {
      count++;
      const number = f.number ? `${String(count).padStart(5)}  ` : '';
      const invalid = invalidHeader(frame.data.length, frame.originalLength);
      if (invalid !== undefined) return number + invalid;
      const d = new Dissection(frame.data, f, names, tcpState);
      d.print(number);
      const fraction = f.nano ? frame.nanoseconds : Math.floor(frame.nanoseconds / 1000);
      d.print(times.format({ seconds: frame.seconds, fraction }));
      const caplen = frame.data.length;
      let hdrlen: number;
      try {
        switch (frame.linkType) {
          case LinkType.En10mb:
            hdrlen = etherPrint(d, 0, frame.originalLength, caplen);
            break;
          case LinkType.LinuxSll:
            hdrlen = sllPrint(d, frame.originalLength, caplen);
            break;
          case LinkType.LinuxSll2:
            hdrlen = sll2Print(d, frame.originalLength, caplen, options.interfaceName);
            break;
          default:
            d.print(`[link-type ${linkTypeDescription(frame.linkType)} not supported by twinnet], length ${frame.originalLength}`);
            hdrlen = 0;
        }
      } catch (e) {
        if (!(e instanceof Truncated)) throw e;
        d.print(` [|${e.protocol}]`);
        hdrlen = 0;
      }
      d.snapend = caplen;
      d.protocol = 'ether';
      try {
        if (f.X > 0) {
          if (f.X > 1) hexAndAsciiPrint(d, '\n\t', 0, caplen);
          else if (caplen > hdrlen) hexAndAsciiPrint(d, '\n\t', hdrlen, caplen - hdrlen);
        } else if (f.x > 0) {
          if (f.x > 1) hexPrint(d, '\n\t', 0, caplen);
          else if (caplen > hdrlen) hexPrint(d, '\n\t', hdrlen, caplen - hdrlen);
        } else if (f.A) {
          if (caplen > hdrlen) asciiPrint(d, hdrlen, caplen - hdrlen);
        }
      } catch (e) {
        if (!(e instanceof Truncated)) throw e;
      }
      return d.text();
    },
  };
}
