/*
 * The tokens of the pcap-filter(7) language, scanned as libpcap 1.10's flex scanner (scanner.l) does: at each
 * position every rule is tried, the longest match wins, and a tie goes to the rule listed first. The rule order
 * is: keywords, white space, operators, `$xx` ARCnet addresses, MAC addresses, numbers, dotted IPv4 forms, IPv6
 * forms, malformed MAC addresses, named constants (icmp-echo, tcp-syn, ...), identifiers, `\`-escaped
 * identifiers, and any other character.
 *
 * Some tokens carry the error the scanner sets when it reads them (a number that overflows 32 bits, a bogus IPv6
 * or MAC address). libpcap keeps the first error set, so such an error only counts once the parser has read the
 * token; the parser applies it then (see filter-parser.ts).
 */

/** The token kinds of libpcap's grammar (grammar.y token names; operators are their own character). */
export type TokenKind =
  | 'DST' | 'SRC' | 'HOST' | 'GATEWAY' | 'NET' | 'NETMASK' | 'PORT' | 'PORTRANGE' | 'LESS' | 'GREATER'
  | 'PROTO' | 'PROTOCHAIN' | 'CBYTE' | 'LINK' | 'ARP' | 'RARP' | 'IP' | 'SCTP' | 'TCP' | 'UDP' | 'ICMP'
  | 'IGMP' | 'IGRP' | 'PIM' | 'VRRP' | 'CARP' | 'RADIO' | 'IPV6' | 'ICMPV6' | 'AH' | 'ESP' | 'ATALK' | 'AARP'
  | 'DECNET' | 'LAT' | 'SCA' | 'MOPRC' | 'MOPDL' | 'ISO' | 'ESIS' | 'ISIS' | 'L1' | 'L2' | 'IIH' | 'LSP'
  | 'SNP' | 'CSNP' | 'PSNP' | 'CLNP' | 'STP' | 'IPX' | 'NETBEUI' | 'TYPE' | 'SUBTYPE' | 'DIR' | 'ADDR1'
  | 'ADDR2' | 'ADDR3' | 'ADDR4' | 'RA' | 'TA' | 'TK_BROADCAST' | 'TK_MULTICAST' | 'AND' | 'OR' | 'LEN'
  | 'INBOUND' | 'OUTBOUND' | 'IFINDEX' | 'VLAN' | 'MPLS' | 'PPPOED' | 'PPPOES' | 'GENEVE' | 'LANE' | 'LLC'
  | 'METAC' | 'BCC' | 'OAM' | 'OAMF4' | 'OAMF4EC' | 'OAMF4SC' | 'SC' | 'ILMIC' | 'VPI' | 'VCI' | 'CONNECTMSG'
  | 'METACONNECT' | 'PF_IFNAME' | 'PF_RSET' | 'PF_RNR' | 'PF_SRNR' | 'PF_REASON' | 'PF_ACTION' | 'FISU'
  | 'LSSU' | 'MSU' | 'HFISU' | 'HLSSU' | 'HMSU' | 'SIO' | 'OPC' | 'DPC' | 'SLS' | 'HSIO' | 'HOPC' | 'HDPC'
  | 'HSLS' | 'GEQ' | 'LEQ' | 'NEQ' | 'LSH' | 'RSH' | 'ID' | 'EID' | 'HID' | 'HID6' | 'AID' | 'NUM'
  | 'LEX_ERROR' | 'EOF'
  | '+' | '-' | '*' | '/' | '%' | ':' | '[' | ']' | '!' | '<' | '>' | '(' | ')' | '&' | '|' | '^' | '=';

/** One scanned token: its kind, its text, a NUM's value, and the error the scanner set while reading it. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** The value of a NUM token (unsigned 32 bits). */
  readonly value: number;
  /** The message libpcap's scanner sets for this token, if any. */
  readonly error?: string;
  /** Offset of the token in the filter text. */
  readonly at: number;
}

/** The keyword rules of scanner.l, in the order they appear there. */
const KEYWORDS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ['dst', 'DST'], ['src', 'SRC'],
  ['link', 'LINK'], ['ether', 'LINK'], ['ppp', 'LINK'], ['slip', 'LINK'], ['fddi', 'LINK'], ['tr', 'LINK'], ['wlan', 'LINK'],
  ['arp', 'ARP'], ['rarp', 'RARP'], ['ip', 'IP'], ['sctp', 'SCTP'], ['tcp', 'TCP'], ['udp', 'UDP'], ['icmp', 'ICMP'],
  ['igmp', 'IGMP'], ['igrp', 'IGRP'], ['pim', 'PIM'], ['vrrp', 'VRRP'], ['carp', 'CARP'], ['radio', 'RADIO'],
  ['ip6', 'IPV6'], ['icmp6', 'ICMPV6'], ['ah', 'AH'], ['esp', 'ESP'],
  ['atalk', 'ATALK'], ['aarp', 'AARP'], ['decnet', 'DECNET'], ['lat', 'LAT'], ['sca', 'SCA'], ['moprc', 'MOPRC'], ['mopdl', 'MOPDL'],
  ['iso', 'ISO'], ['esis', 'ESIS'], ['es-is', 'ESIS'], ['isis', 'ISIS'], ['is-is', 'ISIS'], ['l1', 'L1'], ['l2', 'L2'],
  ['iih', 'IIH'], ['lsp', 'LSP'], ['snp', 'SNP'], ['csnp', 'CSNP'], ['psnp', 'PSNP'], ['clnp', 'CLNP'], ['stp', 'STP'],
  ['ipx', 'IPX'], ['netbeui', 'NETBEUI'],
  ['host', 'HOST'], ['net', 'NET'], ['mask', 'NETMASK'], ['port', 'PORT'], ['portrange', 'PORTRANGE'], ['proto', 'PROTO'],
  ['protochain', 'PROTOCHAIN'], ['gateway', 'GATEWAY'],
  ['type', 'TYPE'], ['subtype', 'SUBTYPE'], ['direction', 'DIR'], ['dir', 'DIR'], ['address1', 'ADDR1'], ['addr1', 'ADDR1'],
  ['address2', 'ADDR2'], ['addr2', 'ADDR2'], ['address3', 'ADDR3'], ['addr3', 'ADDR3'], ['address4', 'ADDR4'], ['addr4', 'ADDR4'],
  ['ra', 'RA'], ['ta', 'TA'],
  ['less', 'LESS'], ['greater', 'GREATER'], ['byte', 'CBYTE'], ['broadcast', 'TK_BROADCAST'], ['multicast', 'TK_MULTICAST'],
  ['and', 'AND'], ['&&', 'AND'], ['or', 'OR'], ['||', 'OR'], ['not', '!'],
  ['len', 'LEN'], ['length', 'LEN'], ['inbound', 'INBOUND'], ['outbound', 'OUTBOUND'], ['ifindex', 'IFINDEX'],
  ['vlan', 'VLAN'], ['mpls', 'MPLS'], ['pppoed', 'PPPOED'], ['pppoes', 'PPPOES'], ['geneve', 'GENEVE'],
  ['lane', 'LANE'], ['llc', 'LLC'], ['metac', 'METAC'], ['bcc', 'BCC'], ['oam', 'OAM'], ['oamf4', 'OAMF4'],
  ['oamf4ec', 'OAMF4EC'], ['oamf4sc', 'OAMF4SC'], ['sc', 'SC'], ['ilmic', 'ILMIC'], ['vpi', 'VPI'], ['vci', 'VCI'],
  ['connectmsg', 'CONNECTMSG'], ['metaconnect', 'METACONNECT'],
  ['on', 'PF_IFNAME'], ['ifname', 'PF_IFNAME'], ['rset', 'PF_RSET'], ['ruleset', 'PF_RSET'], ['rnr', 'PF_RNR'],
  ['rulenum', 'PF_RNR'], ['srnr', 'PF_SRNR'], ['subrulenum', 'PF_SRNR'], ['reason', 'PF_REASON'], ['action', 'PF_ACTION'],
  ['fisu', 'FISU'], ['lssu', 'LSSU'], ['lsu', 'LSSU'], ['msu', 'MSU'], ['hfisu', 'HFISU'], ['hlssu', 'HLSSU'], ['hmsu', 'HMSU'],
  ['sio', 'SIO'], ['opc', 'OPC'], ['dpc', 'DPC'], ['sls', 'SLS'], ['hsio', 'HSIO'], ['hopc', 'HOPC'], ['hdpc', 'HDPC'], ['hsls', 'HSLS'],
]);

/** The named constants of scanner.l (header field offsets and field values), each a NUM token. */
export const NAMED_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['icmptype', 0], ['icmpcode', 1], ['icmp-echoreply', 0], ['icmp-unreach', 3], ['icmp-sourcequench', 4],
  ['icmp-redirect', 5], ['icmp-echo', 8], ['icmp-routeradvert', 9], ['icmp-routersolicit', 10], ['icmp-timxceed', 11],
  ['icmp-paramprob', 12], ['icmp-tstamp', 13], ['icmp-tstampreply', 14], ['icmp-ireq', 15], ['icmp-ireqreply', 16],
  ['icmp-maskreq', 17], ['icmp-maskreply', 18],
  ['icmp6type', 0], ['icmp6code', 1], ['icmp6-destinationunreach', 1], ['icmp6-packettoobig', 2],
  ['icmp6-timeexceeded', 3], ['icmp6-parameterproblem', 4], ['icmp6-echo', 128], ['icmp6-echoreply', 129],
  ['icmp6-multicastlistenerquery', 130], ['icmp6-multicastlistenerreportv1', 131], ['icmp6-multicastlistenerdone', 132],
  ['icmp6-routersolicit', 133], ['icmp6-routeradvert', 134], ['icmp6-neighborsolicit', 135], ['icmp6-neighboradvert', 136],
  ['icmp6-redirect', 137], ['icmp6-routerrenum', 138], ['icmp6-nodeinformationquery', 139],
  ['icmp6-nodeinformationresponse', 140], ['icmp6-ineighbordiscoverysolicit', 141],
  ['icmp6-ineighbordiscoveryadvert', 142], ['icmp6-multicastlistenerreportv2', 143],
  ['icmp6-homeagentdiscoveryrequest', 144], ['icmp6-homeagentdiscoveryreply', 145], ['icmp6-mobileprefixsolicit', 146],
  ['icmp6-mobileprefixadvert', 147], ['icmp6-certpathsolicit', 148], ['icmp6-certpathadvert', 149],
  ['icmp6-multicastrouteradvert', 151], ['icmp6-multicastroutersolicit', 152], ['icmp6-multicastrouterterm', 153],
  ['tcpflags', 13], ['tcp-fin', 0x01], ['tcp-syn', 0x02], ['tcp-rst', 0x04], ['tcp-push', 0x08], ['tcp-ack', 0x10],
  ['tcp-urg', 0x20], ['tcp-ece', 0x40], ['tcp-cwr', 0x80],
]);

const B = '[0-9A-Fa-f]{1,2}';
const B2 = '[0-9A-Fa-f]{4}';
const W = '[0-9A-Fa-f]{1,4}';
const N = '(?:0[xX][0-9A-Fa-f]+|[0-9]+)';
const V4 = `${N}\\.${N}\\.${N}\\.${N}`;

/** Compiles one anchored alternative. */
const sticky = (source: string): RegExp => new RegExp(source, 'y');

/** The IPv6 forms of scanner.l: eight groups, every placement of `::`, and the forms ending in a dotted quad. */
function ipv6Forms(): RegExp[] {
  const forms: string[] = [];
  const groups = (n: number): string[] => Array.from({ length: n }, () => W);
  forms.push(groups(8).join(':'));
  // With `::`: k groups in total (0..7), split as i before and k - i after the `::`.
  for (let total = 7; total >= 0; total--) {
    for (let before = 0; before <= total; before++) forms.push(groups(before).join(':') + '::' + groups(total - before).join(':'));
  }
  // Ending in an IPv4 address: six groups, or fewer with a `::` placed anywhere before the quad.
  forms.push(groups(6).join(':') + ':' + V4);
  for (let total = 5; total >= 0; total--) {
    for (let before = 0; before <= total; before++) {
      const tail = groups(total - before);
      forms.push(groups(before).join(':') + '::' + (tail.length > 0 ? tail.join(':') + ':' : '') + V4);
    }
  }
  return forms.map(sticky);
}

const RULES = {
  keywordOrId: sticky('[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?'),
  aid: sticky(`\\$${B}`),
  mac: [`${B}:${B}:${B}:${B}:${B}:${B}`, `${B}-${B}-${B}-${B}-${B}-${B}`, `${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}`, `${B2}\\.${B2}\\.${B2}`, `${B2}${B2}${B2}`].map(sticky),
  num: sticky(N),
  hid: [`${N}\\.${N}`, `${N}\\.${N}\\.${N}`, V4].map(sticky),
  ipv6: ipv6Forms(),
  bogusMac: sticky(`${B}:+(?:${B}:+)+`),
  escaped: sticky('\\\\[^ !()\\n\\t]+'),
};

const SINGLE = new Set(['+', '-', '*', '/', '%', ':', '[', ']', '!', '<', '>', '(', ')', '&', '|', '^', '=']);
const DOUBLE: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ['>=', 'GEQ'], ['<=', 'LEQ'], ['!=', 'NEQ'], ['==', '='], ['<<', 'LSH'], ['>>', 'RSH'], ['&&', 'AND'], ['||', 'OR'],
]);

/** The length of the longest match of any of `patterns` at `at`, or 0. */
function longest(patterns: readonly RegExp[], text: string, at: number): number {
  let best = 0;
  for (const p of patterns) {
    p.lastIndex = at;
    const m = p.exec(text);
    if (m && m[0].length > best) best = m[0].length;
  }
  return best;
}

/**
 * Converts a number as libpcap's stou()/stoulen() do: `0x` hexadecimal, leading `0` octal, else decimal, each
 * limited to 32 bits; the error strings are libpcap 1.10's.
 */
function scanNumber(text: string): { value: number; error?: string } {
  let value: bigint;
  if (/^0[xX]/.test(text)) value = BigInt(text);
  else if (text.length > 1 && text.startsWith('0')) {
    if (!/^[0-7]+$/.test(text)) return { value: 0, error: `number ${text} contains non-octal digit` };
    value = BigInt('0o' + text.slice(1));
  } else value = BigInt(text);
  if (value > 0xffffffffn) return { value: 0, error: `number ${text} overflows 32 bits` };
  return { value: Number(value) };
}

/** Parses an IPv6 address as inet_pton() does (what getaddrinfo(AI_NUMERICHOST) checks); undefined if invalid. */
export function parseIpv6Text(text: string): Uint8Array | undefined {
  let head = text;
  let tail: number[] = [];
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (lastColon < 0) return undefined;
    const quad = text.slice(lastColon + 1).split('.');
    if (quad.length !== 4 || !quad.every((q) => /^(0|[1-9][0-9]{0,2})$/.test(q) && Number(q) <= 255)) return undefined;
    const b = quad.map(Number);
    tail = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const before = groupsOf(halves[0]!);
  const after = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (![...before, ...after].every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  const used = before.length + after.length + tail.length;
  if (halves.length === 1 ? used !== 8 : used > 7) return undefined;
  const groups = [
    ...before.map((g) => parseInt(g, 16)),
    ...Array<number>(8 - used).fill(0),
    ...after.map((g) => parseInt(g, 16)),
    ...tail,
  ];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >>> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** Scans the whole filter text into tokens, ending with an EOF token. */
export function scanFilter(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const push = (kind: TokenKind, length: number, extra: { value?: number; error?: string; text?: string } = {}): void => {
    tokens.push({ kind, text: extra.text ?? text.slice(at, at + length), value: extra.value ?? 0, at, ...(extra.error === undefined ? {} : { error: extra.error }) });
    at += length;
  };
  while (at < text.length) {
    const c = text[at]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      at++;
      continue;
    }
    // Candidates in rule order; the first of the longest wins.
    RULES.keywordOrId.lastIndex = at;
    const word = RULES.keywordOrId.exec(text)?.[0] ?? '';
    const two = text.slice(at, at + 2);
    const doubleKind = DOUBLE.get(two);
    const keyword = KEYWORDS.get(word);
    const candidates: Array<{ length: number; make: () => void }> = [];
    if (keyword !== undefined) candidates.push({ length: word.length, make: () => push(keyword, word.length) });
    if (doubleKind !== undefined) candidates.push({ length: 2, make: () => push(doubleKind, 2) });
    if (SINGLE.has(c)) candidates.push({ length: 1, make: () => push(c as TokenKind, 1) });
    RULES.aid.lastIndex = at;
    const aid = RULES.aid.exec(text)?.[0].length ?? 0;
    if (aid > 0) candidates.push({ length: aid, make: () => push('AID', aid) });
    const mac = longest(RULES.mac, text, at);
    if (mac > 0) candidates.push({ length: mac, make: () => push('EID', mac) });
    RULES.num.lastIndex = at;
    const num = RULES.num.exec(text)?.[0].length ?? 0;
    if (num > 0) {
      candidates.push({
        length: num,
        make: () => {
          const n = scanNumber(text.slice(at, at + num));
          push(n.error === undefined ? 'NUM' : 'LEX_ERROR', num, n.error === undefined ? { value: n.value } : { error: n.error });
        },
      });
    }
    const hid = longest(RULES.hid, text, at);
    if (hid > 0) candidates.push({ length: hid, make: () => push('HID', hid) });
    const v6 = longest(RULES.ipv6, text, at);
    if (v6 > 0) {
      candidates.push({
        length: v6,
        make: () => {
          const s = text.slice(at, at + v6);
          push('HID6', v6, parseIpv6Text(s) ? {} : { error: `bogus IPv6 address ${s}` });
        },
      });
    }
    RULES.bogusMac.lastIndex = at;
    const bogus = RULES.bogusMac.exec(text)?.[0].length ?? 0;
    if (bogus > 0) candidates.push({ length: bogus, make: () => push('EID', bogus, { error: `bogus ethernet address ${text.slice(at, at + bogus)}` }) });
    const named = NAMED_CONSTANTS.get(word);
    if (named !== undefined) candidates.push({ length: word.length, make: () => push('NUM', word.length, { value: named }) });
    if (word.length > 0) candidates.push({ length: word.length, make: () => push('ID', word.length) });
    RULES.escaped.lastIndex = at;
    const escaped = RULES.escaped.exec(text)?.[0] ?? '';
    if (escaped.length > 0) candidates.push({ length: escaped.length, make: () => push('ID', escaped.length, { text: escaped.slice(1) }) });
    candidates.push({ length: 1, make: () => push('LEX_ERROR', 1) });
    let best = candidates[0]!;
    for (const k of candidates) if (k.length > best.length) best = k;
    best.make();
  }
  tokens.push({ kind: 'EOF', text: '', value: 0, at });
  return tokens;
}
