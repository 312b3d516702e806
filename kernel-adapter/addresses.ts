/**
 * The kernel adapter's address policy (DEVELOPERS.md "Safety on the kernel"): a replay names only private,
 * loopback, link-local, shared, multicast and documentation addresses (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24); any other public address, such as 8.8.8.8, is refused before anything is created. Every
 * address a command names is checked: addresses and prefixes, routes and gateways, traffic targets, iptables
 * -s/-d/--to-source/--to-destination, filters, URLs.
 */
import { formatIpv4, isDocumentationIpv4, isNonPublicIpv4, parseIpv4, type Ipv4Address } from '../core/ipv4.ts';
import { err, ok, type Result } from '../core/result.ts';
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
/** Tools whose URL operands name a host. */
const URL_TOOLS = new Set(['curl', 'wget']);

/**
 * Four numeric parts separated by dots, not inside a longer word: the addresses in any text. A part may be
 * hex or 0-led octal, as iproute2 (lib/utils.c get_addr_ipv4(): strtoul base 0) and inet_aton read it.
 */
const FOUR_PARTS = /(?<![\w.])(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){3}(?![\w]|\.\w)/gi;

/** A whole operand in any inet_aton form: 1 to 4 parts, each decimal, 0x hex or 0-led octal. */
const ATON = /^(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}$/i;

/** inet_aton(3)'s reading of `a`, `a.b`, `a.b.c`, `a.b.c.d` (glibc inet_aton: the last part fills the rest). */
export function parseInetAton(text: string): Ipv4Address | undefined {
  if (!ATON.test(text)) return undefined;
  const parts: number[] = [];
  for (const p of text.split('.')) {
    let v: number;
    if (/^0x/i.test(p)) v = parseInt(p.slice(2), 16);
    else if (p.length > 1 && p.startsWith('0')) {
      if (!/^[0-7]+$/.test(p)) return undefined;
      v = parseInt(p, 8);
    } else v = Number(p);
    if (!Number.isFinite(v)) return undefined;
    parts.push(v);
  }
  const last = parts[parts.length - 1]!;
  const head = parts.slice(0, -1);
  if (head.some((p) => p > 255) || last >= 2 ** (8 * (4 - head.length))) return undefined;
  let value = 0;
  for (const p of head) value = value * 256 + p;
  return (value * 2 ** (8 * (4 - head.length)) + last) >>> 0;
}

/** The host part of a URL operand (`http://HOST[:port]/…`), or undefined. */
function urlHost(token: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]*)/i.exec(token);
  return m?.[1];
}

/** The indexes of a ping/nc argv's operands: the words that are neither options nor option values. */
function operandIndexes(argv: readonly string[], withValue: string): Set<number> {
  const out = new Set<number>();
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (!w.startsWith('-') || w === '-') {
      out.add(i);
      continue;
    }
    for (let j = 1; j < w.length; j++) {
      if (!withValue.includes(w[j]!)) continue;
      if (j === w.length - 1) i++;
      break;
    }
  }
  return out;
}

/** Every address named in `argv` that the policy refuses. */
export function refusedAddresses(argv: readonly string[]): AddressRefusal[] {
  const out: AddressRefusal[] = [];
  const tool = argv[0] ?? '';
  const hostOptions = HOST_OPERAND_TOOLS[tool];
  const operands = hostOptions === undefined ? new Set<number>() : operandIndexes(argv, hostOptions);
  argv.forEach((token, index) => {
    const seen = new Set<Ipv4Address>();
    for (const m of token.matchAll(FOUR_PARTS)) {
      // Both readings: decimal, and with hex/octal parts; either one public is a refusal.
      const decimal = parseIpv4(m[0]);
      if (decimal.ok) seen.add(decimal.value);
      const aton = parseInetAton(m[0]);
      if (aton !== undefined) seen.add(aton);
    }
    const candidate = operands.has(index) ? token : URL_TOOLS.has(tool) && index > 0 ? urlHost(token) : undefined;
    const a = candidate === undefined ? undefined : parseInetAton(candidate);
    if (a !== undefined) seen.add(a);
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
