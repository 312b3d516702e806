import { readdirSync, readFileSync } from 'node:fs';
import { compileFilter } from '../core/decode/filter.ts';
import { parseTcpdumpArgs } from '../core/decode/flags.ts';
import { parseNameDatabase, type NameDatabase } from '../core/decode/names.ts';
import { createPrinter, readingBanner } from '../core/decode/printer.ts';
import { LinkType } from '../core/pcap/format.ts';
import { openCapture } from '../core/pcap/reader.ts';

const USAGE = 'usage: twinnet decode FILE [tcpdump flags: -e -n -q -t -v -x -X -A -S -K -#] [FILTER]\n';

/** /etc/services and /etc/protocols, which tcpdump reads for port and protocol names unless -nn (or -n). */
function systemNames(): NameDatabase {
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  return parseNameDatabase(read('/etc/services'), read('/etc/protocols'));
}

/** This host's interface names by index, as tcpdump's if_indextoname() gives them for LINUX_SLL2 captures. */
function hostInterfaceName(): (index: number) => string | undefined {
  let names: Map<number, string> | undefined;
  return (index) => {
    if (names === undefined) {
      names = new Map();
      try {
        for (const name of readdirSync('/sys/class/net')) {
          const text = readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim();
          if (/^\d+$/.test(text)) names.set(Number(text), name);
        }
      } catch {
        // No sysfs: every index prints as `?`, as tcpdump does for an unknown one.
      }
    }
    return names.get(index);
  };
}

/**
 * `twinnet decode FILE [FLAGS] [FILTER]`: every frame as `tcpdump -r FILE FLAGS [FILTER]` prints it, on stdout, with
 * tcpdump's `reading from file …` banner on stderr; exit status 1 with the reader's error (naming the byte offset)
 * for a bad file, 2 for bad arguments.
 */
export async function decodeCommand(argv: readonly string[]): Promise<number> {
  const [file, ...rest] = argv;
  if (file === undefined || file === '-h' || file === '--help') {
    process.stderr.write(USAGE);
    return file === undefined ? 2 : 0;
  }
  const args = parseTcpdumpArgs(rest);
  if (!args.ok) {
    process.stderr.write(`${args.error}\n${USAGE}`);
    return 2;
  }
  const { flags, filter: words, count } = args.value;
  const opened = openCapture(file);
  if (!opened.ok) {
    process.stderr.write(`twinnet decode: ${file}: ${opened.error.message}\n`);
    return 1;
  }
  const reader = opened.value;
  const first = reader.interfaces[0];
  let filter: ReturnType<typeof compileFilter> | undefined;
  if (words.length > 0) {
    filter = compileFilter(words.join(' '), { savefile: true });
    if (!filter.ok) {
      reader.close();
      process.stderr.write(`${filter.error.tcpdumpMessage}\n`);
      return 1;
    }
  }
  if (first !== undefined) process.stderr.write(`${readingBanner(file, first.linkType, first.snaplen)}\n`);
  if (first?.linkType === LinkType.LinuxSll2) process.stderr.write('Warning: interface names might be incorrect\n');
  const printer = createPrinter(flags, { names: flags.n < 2 ? systemNames() : undefined, interfaceName: hostInterfaceName() });
  const out: string[] = [];
  let size = 0;
  let printed = 0;
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(out.join(''));
    out.length = 0;
    size = 0;
  };
  for (let record = reader.read(); record !== undefined; record = reader.read()) {
    if (filter?.ok && (record.linkType !== LinkType.En10mb || !filter.value.matches(record.data, { wireLength: record.originalLength }))) continue;
    const text = `${printer.print(record)}\n`;
    out.push(text);
    size += text.length;
    if (size > 1 << 16) flush();
    if (count !== undefined && ++printed >= count) break;
  }
  flush();
  const error = reader.error;
  reader.close();
  if (error !== undefined) {
    process.stderr.write(`twinnet decode: ${file}: ${error.message}\n`);
    return 1;
  }
  return 0;
}
