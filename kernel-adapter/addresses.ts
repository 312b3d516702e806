/**
 * The kernel adapter's address policy (DEVELOPERS.md "Safety on the kernel"): a replay names only private,
 * loopback, link-local, shared, multicast and documentation addresses (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24); any other public address, such as 8.8.8.8, is refused before anything is created. Every
 * address a command names is checked: addresses and prefixes, routes and gateways, traffic targets, iptables
 * -s/-d/--to-source/--to-destination, filters, URLs.
 */
import { formatIpv4, isDocumentationIpv4, isNonPublicIpv4, parseIpv4, type Ipv4Address } from '../core/ipv4.ts';
import { err, ok, type Result } from '../core/result.ts';
import { inetAton } from '../core/scenario/getopt.ts';
import { formatCommandSite, type KernelCommand } from './command.ts';

/** Whether a replay may name `address`. */
export function addressAllowed(address: Ipv4Address): boolean {
  return isNonPublicIpv4(address) || isDocumentationIpv4(address);
}

/** One refused address: the argument it was found in and the address it denotes. */
export interface AddressRefusal {
  /** Index into argv. */
  readonly index: number;
  readonly token: string;
  readonly address: Ipv4Address;
}

/**
 * Tools whose host operand is resolved by getaddrinfo, which takes every inet_aton(3) form: `134744072`,
 * `0x8080808`, `8.8.2056` and `010.0.0.1` (octal: 8.0.0.1) all reach 8.8.8.8 or another public address. Their
 * operands (not option values) are read that way too; the letters are the options that take a value
 * (iputils ping.c, netcat-openbsd netcat.c getopt strings).
 */
const HOST_OPERAND_TOOLS: Readonly<Record<string, string>> = { ping: 'ciIWwstelmMpQSFT', nc: 'IiMmOPpqsTVwXx' };
/** Their options whose value may be an address in any inet_aton form (ping -I ADDR, nc -s ADDR). */
const ADDRESS_OPTIONS: Readonly<Record<string, string>> = { ping: 'I', nc: 's' };
/** twinnet's `send` reads the words after these keywords with inet_aton (core/scenario/send.ts). */
const SEND_ADDRESS_KEYWORDS = new Set(['src', 'dst']);

/**
 * Four numeric parts separated by dots, not inside a longer word: the addresses in any text. A part may be
 * hex or 0-led octal, as iproute2 (lib/utils.c get_addr_ipv4(): strtoul base 0) and inet_aton read it.
 */
const FOUR_PARTS = /(?<![\w.])(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){3}(?![\w]|\.\w)/gi;

/** The host part of a URL operand (`[http://]HOST[:port][/…]`, as twinnet's curl takes it). */
function urlHost(token: string): string {
  return token.replace(/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?/i, '').split(/[/:?#]/)[0] ?? '';
}

/**
 * The words of a ping/nc/send argv that name a host in any inet_aton form: operands (words that are neither
 * options nor option values), the values of address options, and for `send` the words after `src`/`dst`.
 * Attached values (`-I10.0.0.1`) are returned as the text after the option letter.
 */
function hostWords(argv: readonly string[]): { index: number; text: string }[] {
  const tool = argv[0] ?? '';
  if (tool === 'send') return argv.flatMap((w, i) => (i > 0 && SEND_ADDRESS_KEYWORDS.has(argv[i - 1]!) ? [{ index: i, text: w }] : []));
  if (tool === 'curl' || tool === 'wget') return argv.flatMap((w, i) => (i > 0 && !w.startsWith('-') ? [{ index: i, text: urlHost(w) }] : []));
  const withValue = HOST_OPERAND_TOOLS[tool];
  if (withValue === undefined) return [];
  const addressOptions = ADDRESS_OPTIONS[tool] ?? '';
  const out: { index: number; text: string }[] = [];
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (!w.startsWith('-') || w === '-') {
      out.push({ index: i, text: w });
      continue;
    }
    for (let j = 1; j < w.length; j++) {
      const letter = w[j]!;
      if (!withValue.includes(letter)) continue;
      const attached = j < w.length - 1;
      if (!attached) i++;
      const value = attached ? w.slice(j + 1) : argv[i];
      if (addressOptions.includes(letter) && value !== undefined) out.push({ index: i, text: value });
      break;
    }
  }
  return out;
}

/** Every address named in `argv` that the policy refuses. */
export function refusedAddresses(argv: readonly string[]): AddressRefusal[] {
  const out: AddressRefusal[] = [];
  const hosts = hostWords(argv);
  argv.forEach((token, index) => {
    const seen = new Set<Ipv4Address>();
    for (const m of token.matchAll(FOUR_PARTS)) {
      // Both readings: decimal, and with hex/octal parts; either one public is a refusal.
      const decimal = parseIpv4(m[0]);
      if (decimal.ok) seen.add(decimal.value);
      const aton = inetAton(m[0]);
      if (aton !== undefined) seen.add(aton);
    }
    for (const host of hosts) {
      const a = host.index === index ? inetAton(host.text) : undefined;
      if (a !== undefined) seen.add(a);
    }
    for (const address of seen) if (!addressAllowed(address)) out.push({ index, token, address });
  });
  return out;
}

/**
 * Checks one command against the policy; the refusal names the address and where the command stands, e.g.
 * `twinnet replay: refusing the public address 8.8.8.8 (x.sh:3:1: ping 8.8.8.8): …`.
 */
export function checkCommandAddresses(command: KernelCommand): Result<void, string> {
  const refused = refusedAddresses(command.argv);
  if (refused.length === 0) return ok(undefined);
  const list = [...new Set(refused.map((r) => formatIpv4(r.address)))].join(', ');
  return err(
    `twinnet replay: refusing the public address${refused.length > 1 ? 'es' : ''} ${list} (${formatCommandSite(command)}): ` +
      'kernel replays use only private, loopback, link-local and documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)',
  );
}

/** Checks every command; all refusals, in order (empty when the scenario may run on the kernel). */
export function checkScenarioAddresses(commands: Iterable<KernelCommand>): string[] {
  const out: string[] = [];
  for (const c of commands) {
    const r = checkCommandAddresses(c);
    if (!r.ok) out.push(r.error);
  }
  return out;
}
