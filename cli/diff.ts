/**
 * `twinnet diff A.pcap B.pcap`: compares two captures of one capture point frame by frame after the normalisation
 * of DESIGN.md §5 (core/diff), and prints the report: the counts, then each difference with the tcpdump line on
 * both sides and the fields that differ. Status 0 when nothing but declared variation differs, 1 otherwise, 2 for
 * bad arguments or a file that cannot be read (the reader's error, with its byte offset).
 */
import { MILLISECOND } from '../core/clock.ts';
import { diffCaptures } from '../core/diff/capture-diff.ts';
import { readFrameTable } from '../core/diff/capture-file.ts';
import { formatFramesReport } from '../core/diff/report.ts';

const USAGE = 'usage: twinnet diff A.pcap B.pcap [--same-macs] [--tolerance MS] [--json]\n';

interface DiffArgs {
  files: string[];
  sameMacs: boolean;
  tolerance: number | undefined;
  json: boolean;
}

function parseArgs(argv: readonly string[]): DiffArgs | string {
  const args: DiffArgs = { files: [], sameMacs: false, tolerance: undefined, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--same-macs') args.sameMacs = true;
    else if (a === '--tolerance') {
      const v = argv[++i];
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) return `twinnet diff: --tolerance needs milliseconds, not "${v ?? ''}"`;
      args.tolerance = Number(v) * MILLISECOND;
    } else if (a.startsWith('-') && a !== '-') return `twinnet diff: unknown option "${a}"`;
    else args.files.push(a);
  }
  if (args.files.length !== 2) return 'twinnet diff: name two capture files';
  return args;
}

/** `twinnet diff`: 0 when the captures agree but for declared variation, 1 when they diverge, 2 on bad input. */
export async function diffCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}`);
    return 2;
  }
  const [fileA, fileB] = args.files as [string, string];
  const a = readFrameTable(fileA);
  if (!a.ok) {
    process.stderr.write(`twinnet diff: ${fileA}: ${a.error.message}\n`);
    return 2;
  }
  const b = readFrameTable(fileB);
  if (!b.ok) {
    process.stderr.write(`twinnet diff: ${fileB}: ${b.error.message}\n`);
    return 2;
  }
  const report = diffCaptures(a.value, b.value, { sameMacs: args.sameMacs, ...(args.tolerance !== undefined ? { tolerance: args.tolerance } : {}) });
  if (args.json) process.stdout.write(`${JSON.stringify({ a: fileA, b: fileB, ...report }, null, 2)}\n`);
  else process.stdout.write(formatFramesReport(report, { a: 'A', b: 'B' }));
  return report.divergences === 0 ? 0 : 1;
}
