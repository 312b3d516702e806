/** The twinnet command line: a thin layer over the library (DESIGN.md §6). */

const USAGE = `usage: twinnet COMMAND [ARGS]

commands:
  help                 this text
  run [FILE] [--seed N] [--pcap-dir DIR] [--json]
                       run a scenario on the simulator (default: the seed tutorial)
  replay FILE [--pcap-dir DIR] [--json] [--same-macs] [--capture-all] [--seed N]
                       run a scenario on the real kernel in sandbox namespaces (root)
  sweep [--dry-run]    remove namespaces and records left by dead kernel replays
  decode FILE [FLAGS] [FILTER]
                       print a pcap/pcapng file as tcpdump -r FILE FLAGS [FILTER] does
  diff A.pcap B.pcap [--same-macs] [--tolerance MS] [--json]
                       compare two captures frame by frame, after normalisation
  compare FILE [--json] [--pcap-dir DIR] [--no-same-macs] [--tolerance MS] [--capture-all]
                       run a scenario on the kernel (root) and the simulator, and compare them
  fuzz [--runs N] [--seed S] [--kernel] [--out DIR] [--replay-path P]
                       generated scenarios through the properties (and the kernel), shrinking a failure
  check FILE|--gen [--kernel]
                       the properties (reachability, neighbours, TTL, NAT, conservation) on a run
`;

/** Runs one twinnet command; resolves to the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'run') return (await import('./run.ts')).runCommand(argv.slice(1));
  if (command === 'replay') return (await import('./replay.ts')).replayCommand(argv.slice(1));
  if (command === 'sweep') return (await import('./sweep.ts')).sweepCommand(argv.slice(1));
  if (command === 'decode') return (await import('./decode.ts')).decodeCommand(argv.slice(1));
  if (command === 'diff') return (await import('./diff.ts')).diffCommand(argv.slice(1));
  if (command === 'compare') return (await import('./compare.ts')).compareCommand(argv.slice(1));
  if (command === 'fuzz') return (await import('./fuzz.ts')).fuzzCommand(argv.slice(1));
  if (command === 'check') return (await import('./fuzz.ts')).checkCommand(argv.slice(1));
  process.stderr.write(`twinnet: unknown command "${command}"\n${USAGE}`);
  return 2;
}
