/*
 * The code generator of capture filters for Ethernet (DLT_EN10MB): the tests libpcap 1.10's gencode.c emits for
 * each primitive, with the same loads in the same order and the same error messages. Offsets are absolute from
 * the start of the frame: the link-layer type field is at 12 and the payload at 14, each moved by 4 after every
 * `vlan` (gencode.c: gen_vlan_no_bpf_extensions), for the rest of the expression in parse order.
 */
import { ETHER_PROTOCOLS, LLC_PROTOCOLS, NETWORKS, PROTOCOLS, SERVICES } from './filter-names.ts';
import { and, cmp, constant, load, masked, not, or, type AluOp, type Node, type Value } from './filter-ir.ts';

/** Protocol qualifiers (gencode.h: Q_LINK ... Q_CARP); 'default' is no qualifier, 'undef' the parser's qerr. */
export type Proto =
  | 'default' | 'link' | 'ip' | 'arp' | 'rarp' | 'sctp' | 'tcp' | 'udp' | 'icmp' | 'igmp' | 'igrp' | 'pim' | 'vrrp'
  | 'carp' | 'radio' | 'ip6' | 'icmp6' | 'ah' | 'esp' | 'atalk' | 'aarp' | 'decnet' | 'lat' | 'sca' | 'moprc'
  | 'mopdl' | 'iso' | 'esis' | 'isis' | 'l1' | 'l2' | 'iih' | 'lsp' | 'snp' | 'csnp' | 'psnp' | 'clnp' | 'stp'
  | 'ipx' | 'netbeui' | 'undef';
/** Direction qualifiers (Q_SRC, Q_DST, Q_OR for `src or dst`, Q_AND for `src and dst`, the 802.11 ones). */
export type Dir = 'default' | 'src' | 'dst' | 'or' | 'and' | 'addr1' | 'addr2' | 'addr3' | 'addr4' | 'ra' | 'ta' | 'undef';
/** Address-type qualifiers (Q_HOST, Q_NET, Q_PORT, Q_PORTRANGE, Q_GATEWAY, Q_PROTO, Q_PROTOCHAIN). */
export type AddrType = 'default' | 'host' | 'net' | 'port' | 'portrange' | 'gateway' | 'proto' | 'protochain' | 'undef';

/** A qualifier list, as grammar.y's `struct qual`. */
export interface Qual {
  readonly proto: Proto;
  readonly dir: Dir;
  readonly addr: AddrType;
}

/** The qualifiers of a term that has none to pass on (grammar.y: qerr). */
export const QERR: Qual = { proto: 'undef', dir: 'undef', addr: 'undef' };

/** An arithmetic operand (gencode.h: struct arth): its value, the protocol tests it needs, its first statement. */
export interface Arth {
  readonly value: Value;
  readonly checks: Node | undefined;
  /** The constant its first BPF statement loads (`ld #k`), which gen_arth checks against zero and 31. */
  readonly firstImm: number | undefined;
}

/** A compile error: libpcap's message, or a construct twinnet recognises but does not implement. */
export class FilterFault extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/** What the generator needs to know about the capture. */
export interface GenOptions {
  /** The netmask `ip broadcast` uses (tcpdump passes 0 when it does not know one, as for -r). */
  readonly netmask: number;
  /** True for a savefile (tcpdump -r): inbound, outbound and ifindex are then errors. */
  readonly savefile: boolean;
  /** Host names and their IPv4 addresses, as getaddrinfo() would resolve them. */
  readonly hosts: ReadonlyMap<string, readonly number[]>;
}

const ETHERTYPE = { ip: 0x0800, arp: 0x0806, rarp: 0x8035, ip6: 0x86dd, atalk: 0x809b, aarp: 0x80f3, ipx: 0x8137, decnet: 0x6003, lat: 0x6004, sca: 0x6007, mopdl: 0x6001, moprc: 0x6002, pppoed: 0x8863 } as const;
const LLCSAP = { ip: 0x06, isons: 0xfe, netbeui: 0xf0, ipx: 0xe0, stp: 0x42 } as const;
const IPPROTO = { icmp: 1, igmp: 2, tcp: 6, igrp: 9, udp: 17, fragment: 44, esp: 50, ah: 51, icmp6: 58, pim: 103, vrrp: 112, sctp: 132 } as const;
const ISO = { clnp: 0x81, esis: 0x82, isis: 0x83 } as const;
const ISIS_PDU = { l1LanIih: 15, l2LanIih: 16, ptpIih: 17, l1Lsp: 18, l2Lsp: 20, l1Csnp: 24, l2Csnp: 25, l1Psnp: 26, l2Psnp: 27 } as const;
const ETHERMTU = 1500;
/** gencode.c: off_nl_nosnap for Ethernet, the 802.2 LLC header before an OSI packet. */
const OFF_NL_NOSNAP = 3;

/** The IP protocol a port primitive is limited to; undefined is TCP, UDP or SCTP (PROTO_UNDEF). */
type PortProto = 'tcp' | 'udp' | 'sctp' | undefined;

/** Parses a dotted IPv4 form as __pcap_atoin() does; the length is 8 bits per part given. */
export function atoin(text: string): { addr: number; len: number } | undefined {
  let addr = 0;
  let len = 0;
  let i = 0;
  for (;;) {
    let n = 0;
    while (i < text.length && text[i] !== '.') {
      if (n > 25) return undefined;
      n = n * 10 + text.charCodeAt(i++) - 48;
    }
    if (n > 255) return undefined;
    addr = ((addr << 8) | (n & 0xff)) >>> 0;
    len += 8;
    if (i >= text.length) return { addr, len };
    i++;
  }
}

/** Converts a MAC address token as pcap_ether_aton() does: hex pairs with `:`, `.` or `-` anywhere between. */
export function etherAton(text: string): number[] {
  const bytes: number[] = [];
  const hex = (c: string | undefined): boolean => c !== undefined && /[0-9A-Fa-f]/.test(c);
  let i = 0;
  while (i < text.length) {
    if (text[i] === ':' || text[i] === '.' || text[i] === '-') i++;
    let d = parseInt(text[i++]!, 16);
    if (hex(text[i])) d = (d << 4) | parseInt(text[i++]!, 16);
    bytes.push(d);
  }
  return bytes;
}

/** Looks a service name up as pcap_nametoport() does (TCP, then UDP; a number is itself for both). */
function nameToPort(name: string): { port: number; proto: PortProto } | undefined {
  if (/^[0-9]+$/.test(name)) {
    // getaddrinfo() takes a decimal service as strtoul() reads it and stores it with htons().
    const n = BigInt(name);
    return { port: n > 0xffffffffffffffffn ? 0xffff : Number(n & 0xffffn), proto: undefined };
  }
  const s = SERVICES.get(name);
  if (s === undefined || (s.tcp === undefined && s.udp === undefined)) return undefined;
  if (s.tcp !== undefined) return { port: s.tcp, proto: s.udp === s.tcp ? undefined : 'tcp' };
  return { port: s.udp!, proto: 'udp' };
}

/** sscanf("%d") of glibc: strtol() clamped to 64 bits, then stored in an int. */
function scanInt(text: string): number {
  let n = BigInt(text);
  const max = (1n << 63n) - 1n;
  if (n > max) n = max;
  if (n < -max - 1n) n = -max - 1n;
  return Number(BigInt.asIntN(32, n));
}

/** Looks up `A-B` as pcap_nametoportrange() does: two numbers, else two service names split at the first '-'. */
function nameToPortRange(name: string): { port1: number; port2: number; proto: PortProto } | undefined {
  const m = /^\s*([+-]?[0-9]+)-\s*([+-]?[0-9]+)/.exec(name);
  if (m) return { port1: scanInt(m[1]!), port2: scanInt(m[2]!), proto: undefined };
  const dash = name.indexOf('-');
  if (dash < 0) return undefined;
  const a = nameToPort(name.slice(0, dash));
  if (!a) return undefined;
  const b = nameToPort(name.slice(dash + 1));
  if (!b) return undefined;
  return { port1: a.port, port2: b.port, proto: a.proto === b.proto ? b.proto : undefined };
}

/** The name libpcap prints for a protocol qualifier in "'X' modifier applied to ..." messages. */
const MODIFIER_NAMES: Partial<Record<Proto, string>> = {
  sctp: 'sctp', tcp: 'tcp', udp: 'udp', icmp: 'icmp', igmp: 'igmp', igrp: 'igrp', icmp6: 'icmp6', ah: 'ah', esp: 'esp',
  pim: 'pim', vrrp: 'vrrp', esis: 'esis', isis: 'isis', clnp: 'clnp', stp: 'stp', netbeui: 'netbeui', l1: 'l1', l2: 'l2',
  iih: 'iih', snp: 'snp', csnp: 'csnp', psnp: 'psnp', lsp: 'lsp', radio: 'radio', carp: 'carp',
};

/**
 * The code generator: one per compilation, holding the offsets `vlan` moves. Every method either returns the
 * tests of a primitive or throws a FilterFault with libpcap's message.
 */
export class Gen {
  /** Offset of the link-layer type field (gencode.c: off_linktype). */
  private offLinkType = 12;
  /** Offset of the link-layer payload (gencode.c: off_linkpl). */
  private offLinkPl = 14;

  constructor(private readonly options: GenOptions) {}

  /** Raises libpcap's error `message` (gencode.c: bpf_error). */
  fail(message: string): never {
    throw new FilterFault(message);
  }

  /** Raises the error for a construct twinnet does not implement. */
  unsupported(what: string): never {
    throw new FilterFault(`twinnet does not support '${what}' in capture filters`, true);
  }

  private lt(): Value {
    return load(this.offLinkType, 2);
  }

  private net(offset: number, size: 1 | 2 | 4): Value {
    return load(this.offLinkPl + offset, size);
  }

  /** A load from the transport header of an IPv4 packet, after its variable-length IP header. */
  private transport(offset: number, size: 1 | 2 | 4): Value {
    return { k: 'load', size, index: constant(0), offset: this.offLinkPl + offset, ipHeader: this.offLinkPl };
  }

  /** Compares 8 bytes of an 802.2 LLC + SNAP header (gencode.c: gen_snap), the second word first as BPF does. */
  private snap(orgcode: number, ptype: number): Node {
    const low = (((orgcode & 0xffff) << 16) | ptype) >>> 0;
    const high = (0xaaaa0300 | (orgcode >>> 16)) >>> 0;
    return and(cmp('eq', this.net(4, 4), low), cmp('eq', this.net(0, 4), high));
  }

  /** Tests the link-layer protocol (gencode.c: gen_ether_linktype): an EtherType, or an LLC SAP if <= 1500. */
  linktype(proto: number): Node {
    const lt = this.lt();
    const is8023 = not(cmp('gt', lt, ETHERMTU));
    switch (proto) {
      case LLCSAP.isons:
      case LLCSAP.ip:
      case LLCSAP.netbeui:
        return and(is8023, cmp('eq', this.net(0, 2), (proto << 8) | proto));
      case LLCSAP.ipx:
        return or(
          cmp('eq', lt, ETHERTYPE.ipx),
          and(is8023, or(or(this.snap(0, ETHERTYPE.ipx), cmp('eq', this.net(0, 1), LLCSAP.ipx)), cmp('eq', this.net(0, 2), 0xffff))),
        );
      case ETHERTYPE.atalk:
        return or(cmp('eq', lt, ETHERTYPE.atalk), and(is8023, this.snap(0x080007, ETHERTYPE.atalk)));
      case ETHERTYPE.aarp:
        return or(cmp('eq', lt, ETHERTYPE.aarp), and(is8023, this.snap(0, ETHERTYPE.aarp)));
      default:
        return proto <= ETHERMTU ? and(is8023, cmp('eq', this.net(0, 1), proto)) : cmp('eq', lt, proto);
    }
  }

  private ipProto(p: number): Node {
    return and(this.linktype(ETHERTYPE.ip), cmp('eq', this.net(9, 1), p));
  }

  /** IPv6 next header `p`, directly or after one fragment header (gencode.c: gen_proto, Q_IPV6). */
  private ip6Proto(p: number): Node {
    const nh = this.net(6, 1);
    return and(this.linktype(ETHERTYPE.ip6), or(cmp('eq', nh, p), and(cmp('eq', nh, IPPROTO.fragment), cmp('eq', this.net(40, 1), p))));
  }

  /** An OSI protocol after an 802.2 header (gencode.c: gen_proto, Q_ISO). */
  private isoProto(v: number): Node {
    return and(this.linktype(LLCSAP.isons), cmp('eq', this.net(OFF_NL_NOSNAP, 1), v));
  }

  private isisPdu(...types: number[]): Node {
    const base = this.isoProto(ISO.isis);
    let any: Node | undefined;
    for (const t of types) {
      const test = cmp('eq', this.net(OFF_NL_NOSNAP + 4, 1), t);
      any = any ? or(test, any) : test;
    }
    return and(base, any!);
  }

  /** A protocol name alone, as `tcp` or `arp` (gencode.c: gen_proto_abbrev). */
  protoAbbrev(proto: Proto): Node {
    const both = (p: number): Node => or(this.ipProto(p), this.ip6Proto(p));
    switch (proto) {
      case 'sctp': return both(IPPROTO.sctp);
      case 'tcp': return both(IPPROTO.tcp);
      case 'udp': return both(IPPROTO.udp);
      case 'icmp': return this.ipProto(IPPROTO.icmp);
      case 'igmp': return this.ipProto(IPPROTO.igmp);
      case 'igrp': return this.ipProto(IPPROTO.igrp);
      case 'pim': return both(IPPROTO.pim);
      case 'vrrp':
      case 'carp': return this.ipProto(IPPROTO.vrrp);
      case 'ip': return this.linktype(ETHERTYPE.ip);
      case 'arp': return this.linktype(ETHERTYPE.arp);
      case 'rarp': return this.linktype(ETHERTYPE.rarp);
      case 'link': return this.fail('link layer applied in wrong context');
      case 'atalk': return this.linktype(ETHERTYPE.atalk);
      case 'aarp': return this.linktype(ETHERTYPE.aarp);
      case 'decnet': return this.linktype(ETHERTYPE.decnet);
      case 'sca': return this.linktype(ETHERTYPE.sca);
      case 'lat': return this.linktype(ETHERTYPE.lat);
      case 'mopdl': return this.linktype(ETHERTYPE.mopdl);
      case 'moprc': return this.linktype(ETHERTYPE.moprc);
      case 'ip6': return this.linktype(ETHERTYPE.ip6);
      case 'icmp6': return this.ip6Proto(IPPROTO.icmp6);
      case 'ah': return both(IPPROTO.ah);
      case 'esp': return both(IPPROTO.esp);
      case 'iso': return this.linktype(LLCSAP.isons);
      case 'esis': return this.isoProto(ISO.esis);
      case 'isis': return this.isoProto(ISO.isis);
      case 'clnp': return this.isoProto(ISO.clnp);
      case 'l1': return this.isisPdu(ISIS_PDU.ptpIih, ISIS_PDU.l1LanIih, ISIS_PDU.l1Lsp, ISIS_PDU.l1Csnp, ISIS_PDU.l1Psnp);
      case 'l2': return this.isisPdu(ISIS_PDU.ptpIih, ISIS_PDU.l2LanIih, ISIS_PDU.l2Lsp, ISIS_PDU.l2Csnp, ISIS_PDU.l2Psnp);
      case 'iih': return this.isisPdu(ISIS_PDU.l2LanIih, ISIS_PDU.l1LanIih, ISIS_PDU.ptpIih);
      case 'lsp': return this.isisPdu(ISIS_PDU.l2Lsp, ISIS_PDU.l1Lsp);
      case 'snp': return this.isisPdu(ISIS_PDU.l1Csnp, ISIS_PDU.l2Csnp, ISIS_PDU.l1Psnp, ISIS_PDU.l2Psnp);
      case 'csnp': return this.isisPdu(ISIS_PDU.l2Csnp, ISIS_PDU.l1Csnp);
      case 'psnp': return this.isisPdu(ISIS_PDU.l2Psnp, ISIS_PDU.l1Psnp);
      case 'stp': return this.linktype(LLCSAP.stp);
      case 'ipx': return this.linktype(LLCSAP.ipx);
      case 'netbeui': return this.linktype(LLCSAP.netbeui);
      case 'radio': return this.fail("'radio' is not a valid protocol type");
      case 'default':
      case 'undef':
        throw new Error(`protoAbbrev(${proto})`);
    }
  }

  /** Not a fragment other than the first (gencode.c: gen_ipfrag). */
  private ipFirstFragment(): Node {
    return not(cmp('set', this.net(6, 2), 0x1fff));
  }

  /** An IPv4 address test on src/dst fields (gencode.c: gen_hostop). */
  private hostop(addr: number, mask: number, dir: Dir, etherType: number, src: number, dst: number): Node {
    switch (dir) {
      case 'src':
      case 'dst':
        return and(this.linktype(etherType), masked(this.net(dir === 'src' ? src : dst, 4), mask, addr));
      case 'and':
        return and(this.hostop(addr, mask, 'src', etherType, src, dst), this.hostop(addr, mask, 'dst', etherType, src, dst));
      case 'default':
      case 'or':
        return or(this.hostop(addr, mask, 'src', etherType, src, dst), this.hostop(addr, mask, 'dst', etherType, src, dst));
      default:
        return this.badDir(dir, 'for addresses other than 802.11 MAC addresses');
    }
  }

  private badDir(dir: Dir, what: string): never {
    if (dir === 'ra' || dir === 'ta') return this.fail(`'${dir}' is not a valid qualifier ${what}`);
    const n = dir.slice(4);
    return this.fail(`'addr${n}' and 'address${n}' are not valid qualifiers ${what}`);
  }

  /** An IPv4 host or network (gencode.c: gen_host). */
  host(addr: number, mask: number, proto: Proto, dir: Dir, type: AddrType): Node {
    const typestr = type === 'net' ? 'net' : 'host';
    switch (proto) {
      case 'default': {
        const ip = this.host(addr, mask, 'ip', dir, type);
        const arp = this.host(addr, mask, 'arp', dir, type);
        return or(or(ip, arp), this.host(addr, mask, 'rarp', dir, type));
      }
      case 'link': return this.fail(`link-layer modifier applied to ${typestr}`);
      case 'ip': return this.hostop(addr, mask, dir, ETHERTYPE.ip, 12, 16);
      case 'rarp': return this.hostop(addr, mask, dir, ETHERTYPE.rarp, 14, 24);
      case 'arp': return this.hostop(addr, mask, dir, ETHERTYPE.arp, 14, 24);
      case 'atalk': return this.fail('AppleTalk host filtering not implemented');
      case 'decnet': return this.unsupported('decnet host');
      case 'lat': return this.fail('LAT host filtering not implemented');
      case 'sca': return this.fail('SCA host filtering not implemented');
      case 'moprc': return this.fail('MOPRC host filtering not implemented');
      case 'mopdl': return this.fail('MOPDL host filtering not implemented');
      case 'ip6': return this.fail("'ip6' modifier applied to ip host");
      case 'aarp': return this.fail('AARP host filtering not implemented');
      case 'iso': return this.fail('ISO host filtering not implemented');
      case 'ipx': return this.fail('IPX host filtering not implemented');
      case 'undef': throw new Error('host(undef)');
      default: return this.fail(`'${MODIFIER_NAMES[proto]}' modifier applied to ${typestr}`);
    }
  }

  /** An IPv6 host or network (gencode.c: gen_host6, gen_hostop6). */
  host6(addr: Uint8Array, mask: Uint8Array, proto: Proto, dir: Dir, type: AddrType): Node {
    const typestr = type === 'net' ? 'net' : 'host';
    switch (proto) {
      case 'default':
      case 'ip6':
        return this.hostop6(addr, mask, dir);
      case 'link': return this.fail(`link-layer modifier applied to ip6 ${typestr}`);
      case 'atalk': return this.fail(`AppleTalk modifier applied to ip6 ${typestr}`);
      case 'undef': throw new Error('host6(undef)');
      default: {
        const names: Partial<Record<Proto, string>> = { ip: 'ip', rarp: 'rarp', arp: 'arp', decnet: 'decnet', lat: 'lat', sca: 'sca', moprc: 'moprc', mopdl: 'mopdl', aarp: 'aarp', iso: 'iso', ipx: 'ipx' };
        return this.fail(`'${names[proto] ?? MODIFIER_NAMES[proto]}' modifier applied to ip6 ${typestr}`);
      }
    }
  }

  private hostop6(addr: Uint8Array, mask: Uint8Array, dir: Dir): Node {
    const word = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    const at = (offset: number): Node => {
      let n = masked(this.net(offset + 12, 4), word(mask, 12), word(addr, 12) & word(mask, 12));
      for (let i = 8; i >= 0; i -= 4) n = and(masked(this.net(offset + i, 4), word(mask, i), word(addr, i) & word(mask, i)), n);
      return and(this.linktype(ETHERTYPE.ip6), n);
    };
    switch (dir) {
      case 'src': return at(8);
      case 'dst': return at(24);
      case 'and': return and(at(8), at(24));
      case 'default':
      case 'or': return or(at(8), at(24));
      default: return this.badDir(dir, 'for addresses other than 802.11 MAC addresses');
    }
  }

  /** Compares 6 bytes of the Ethernet header (gencode.c: gen_bcmp), the last four first as BPF does. */
  private macAt(offset: number, mac: readonly number[]): Node {
    const w = ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0;
    return and(cmp('eq', load(offset + 2, 4), w), cmp('eq', load(offset, 2), (mac[0]! << 8) | mac[1]!));
  }

  /** An Ethernet address test (gencode.c: gen_ehostop). */
  ehost(mac: readonly number[], dir: Dir): Node {
    switch (dir) {
      case 'src': return this.macAt(6, mac);
      case 'dst': return this.macAt(0, mac);
      case 'and': return and(this.macAt(6, mac), this.macAt(0, mac));
      case 'default':
      case 'or': return or(this.macAt(6, mac), this.macAt(0, mac));
      case 'ra':
      case 'ta': return this.fail(`'${dir}' is only supported on 802.11 with 802.11 headers`);
      default: {
        const n = dir.slice(4);
        return this.fail(`'addr${n}' and 'address${n}' are only supported on 802.11 with 802.11 headers`);
      }
    }
  }

  private portAtoms(dir: Dir, what: string, atom: (offset: number) => Node): Node {
    switch (dir) {
      case 'src': return atom(0);
      case 'dst': return atom(2);
      case 'and': return and(atom(0), atom(2));
      case 'default':
      case 'or': return or(atom(0), atom(2));
      default: return this.badDir(dir, what);
    }
  }

  /** Ports of TCP, UDP or SCTP over IPv4, then over IPv6 (gencode.c: gen_port, gen_port6, gen_portop). */
  private ports(proto: PortProto, dir: Dir, what: string, atom4: (offset: number) => Node, atom6: (offset: number) => Node): Node {
    const op4 = (p: number): Node => and(and(cmp('eq', this.net(9, 1), p), this.ipFirstFragment()), this.portAtoms(dir, what, atom4));
    const op6 = (p: number): Node => and(cmp('eq', this.net(6, 1), p), this.portAtoms(dir, what, atom6));
    const each = (op: (p: number) => Node): Node =>
      proto === undefined ? or(op(IPPROTO.sctp), or(op(IPPROTO.tcp), op(IPPROTO.udp))) : op(IPPROTO[proto]);
    const v4 = and(this.linktype(ETHERTYPE.ip), each(op4));
    const v6 = and(this.linktype(ETHERTYPE.ip6), each(op6));
    return or(v6, v4);
  }

  /** `port N` (gencode.c: gen_port, gen_port6). */
  port(port: number, proto: PortProto, dir: Dir): Node {
    return this.ports(proto, dir, 'for ports',
      (off) => cmp('eq', this.transport(off, 2), port),
      (off) => cmp('eq', this.net(40 + off, 2), port));
  }

  /** `portrange A-B` (gencode.c: gen_portrange, gen_portrange6). */
  portrange(port1: number, port2: number, proto: PortProto, dir: Dir): Node {
    const lo = Math.min(port1, port2);
    const hi = Math.max(port1, port2);
    const within = (v: Value): Node => and(cmp('ge', v, lo), not(cmp('gt', v, hi)));
    return this.ports(proto, dir, 'for port ranges', (off) => within(this.transport(off, 2)), (off) => within(this.net(40 + off, 2)));
  }

  /** `[ip|ip6|ether|...] proto N` (gencode.c: gen_proto). */
  proto(v: number, proto: Proto, dir: Dir): Node {
    if (dir !== 'default') this.fail("direction applied to 'proto'");
    switch (proto) {
      case 'default': return or(this.proto(v, 'ip', dir), this.proto(v, 'ip6', dir));
      case 'link': return this.linktype(v);
      case 'ip': return this.ipProto(v);
      case 'ip6': return this.ip6Proto(v);
      case 'arp': return this.fail('arp does not encapsulate another protocol');
      case 'rarp': return this.fail('rarp does not encapsulate another protocol');
      case 'atalk': return this.fail('AppleTalk encapsulation is not specifiable');
      case 'decnet': return this.fail('DECNET encapsulation is not specifiable');
      case 'lat': return this.fail('LAT does not encapsulate another protocol');
      case 'sca': return this.fail('SCA does not encapsulate another protocol');
      case 'moprc': return this.fail('MOPRC does not encapsulate another protocol');
      case 'mopdl': return this.fail('MOPDL does not encapsulate another protocol');
      case 'iso': return this.isoProto(v);
      case 'isis': return and(this.isoProto(ISO.isis), cmp('eq', this.net(OFF_NL_NOSNAP + 4, 1), v));
      case 'clnp': return this.fail("'clnp proto' is not supported");
      case 'aarp': return this.fail("'aarp proto' is bogus");
      case 'undef': throw new Error('proto(undef)');
      default: return this.fail(`'${MODIFIER_NAMES[proto] ?? proto} proto' is bogus`);
    }
  }

  /** A number or dotted IPv4 form with its qualifiers (gencode.c: gen_ncode). */
  ncode(text: string | undefined, num: number, q: Qual): Node {
    let v = num >>> 0;
    let vlen = 32;
    if (text !== undefined) {
      if (q.proto === 'decnet') return this.unsupported('decnet address');
      const r = atoin(text);
      if (!r) return this.fail(`invalid IPv4 address '${text}'`);
      v = r.addr;
      vlen = r.len;
    }
    switch (q.addr) {
      case 'default':
      case 'host':
      case 'net': {
        if (q.proto === 'decnet') return this.unsupported('decnet address');
        if (q.proto === 'link') return this.fail('illegal link layer address');
        let mask = 0xffffffff;
        if (text === undefined && q.addr === 'net') {
          while (v !== 0 && (v & 0xff000000) === 0) {
            v = (v << 8) >>> 0;
            mask = (mask << 8) >>> 0;
          }
        } else if (vlen < 32) {
          v = (v << (32 - vlen)) >>> 0;
          mask = (mask << (32 - vlen)) >>> 0;
        }
        return this.host(v, mask, q.proto, q.dir, q.addr);
      }
      case 'port':
      case 'portrange': {
        const proto = this.portProto(q.proto, q.addr);
        if (v > 65535) this.fail(`illegal port number ${v} > 65535`);
        return q.addr === 'port' ? this.port(v, proto, q.dir) : this.portrange(v, v, proto, q.dir);
      }
      case 'gateway': return this.fail("'gateway' requires a name");
      case 'proto': return this.proto(v, q.proto, q.dir);
      case 'protochain': return this.unsupported('protochain');
      case 'undef': return this.fail('syntax error in filter expression');
    }
  }

  private portProto(proto: Proto, addr: 'port' | 'portrange'): PortProto {
    if (proto === 'udp' || proto === 'tcp' || proto === 'sctp') return proto;
    if (proto !== 'default') this.fail(`illegal qualifier of '${addr}'`);
    return undefined;
  }

  /** Checks a looked-up port protocol against a `tcp`/`udp`/`sctp` qualifier (gencode.c: gen_scode, Q_PORT). */
  private realPortProto(proto: PortProto, real: PortProto, what: string): PortProto {
    if (proto === undefined) return real;
    if (real !== undefined && real !== proto) this.fail(`${what} is ${real}`);
    return proto;
  }

  /** A name with its qualifiers (gencode.c: gen_scode). */
  scode(name: string, q: Qual): Node {
    switch (q.addr) {
      case 'net': {
        let addr = NETWORKS.get(name) ?? 0;
        if (addr === 0) this.fail(`unknown network '${name}'`);
        let mask = 0xffffffff;
        while (addr !== 0 && (addr & 0xff000000) === 0) {
          addr = (addr << 8) >>> 0;
          mask = (mask << 8) >>> 0;
        }
        return this.host(addr, mask, q.proto, q.dir, q.addr);
      }
      case 'default':
      case 'host': {
        if (q.proto === 'link') return this.fail(`unknown ether host '${name}'`);
        if (q.proto === 'decnet') return this.fail(`decnet name support not included, '${name}' cannot be translated\n`);
        const addrs = this.options.hosts.get(name);
        if (addrs === undefined) return this.fail(`unknown host '${name}'`);
        let b: Node | undefined;
        for (const a of addrs) {
          if (q.proto === 'ip6') continue;
          const tmp = this.host(a, 0xffffffff, q.proto, q.dir, q.addr);
          b = b ? or(b, tmp) : tmp;
        }
        if (!b) return this.fail(`unknown host '${name}'${q.proto === 'default' ? '' : ' for specified address family'}`);
        return b;
      }
      case 'port': {
        const proto = this.portProto(q.proto, 'port');
        const r = nameToPort(name);
        if (!r) return this.fail(`unknown port '${name}'`);
        const real = this.realPortProto(proto, r.proto, `port '${name}'`);
        if (r.port < 0) this.fail(`illegal port number ${r.port} < 0`);
        if (r.port > 65535) this.fail(`illegal port number ${r.port} > 65535`);
        return this.port(r.port, real, q.dir);
      }
      case 'portrange': {
        const proto = this.portProto(q.proto, 'portrange');
        const r = nameToPortRange(name);
        if (!r) return this.fail(`unknown port in range '${name}'`);
        const real = this.realPortProto(proto, r.proto, `port in range '${name}'`);
        for (const p of [r.port1, r.port2]) {
          if (p < 0) this.fail(`illegal port number ${p} < 0`);
          if (p > 65535) this.fail(`illegal port number ${p} > 65535`);
        }
        return this.portrange(r.port1, r.port2, real, q.dir);
      }
      case 'gateway': return this.fail("'gateway' not supported in this configuration");
      case 'proto':
      case 'protochain': {
        const v = this.lookupProto(name, q.proto);
        return q.addr === 'proto' ? this.proto(v, q.proto, q.dir) : this.unsupported('protochain');
      }
      case 'undef': return this.fail('syntax error in filter expression');
    }
  }

  /** A protocol name for `proto` (gencode.c: lookup_proto). */
  private lookupProto(name: string, proto: Proto): number {
    switch (proto) {
      case 'default':
      case 'ip':
      case 'ip6': {
        const v = PROTOCOLS.get(name);
        return v ?? this.fail(`unknown ip proto '${name}'`);
      }
      case 'link': {
        const v = ETHER_PROTOCOLS.get(name) ?? LLC_PROTOCOLS.get(name);
        return v ?? this.fail(`unknown ether proto '${name}'`);
      }
      case 'iso': {
        const v = ({ esis: ISO.esis, isis: ISO.isis, clnp: ISO.clnp } as Record<string, number>)[name];
        return v ?? this.fail(`unknown osi proto '${name}'`);
      }
      default:
        return this.fail(`unknown protocol: ${name}`);
    }
  }

  /** An IPv4 network with a prefix length or a mask (gencode.c: gen_mcode). */
  mcode(s1: string, s2: string | undefined, masklen: number, q: Qual): Node {
    const n0 = atoin(s1);
    if (!n0) return this.fail(`invalid IPv4 address '${s1}'`);
    const n = n0.len < 32 ? (n0.addr << (32 - n0.len)) >>> 0 : n0.addr;
    let m: number;
    if (s2 !== undefined) {
      const m0 = atoin(s2);
      if (!m0) return this.fail(`invalid IPv4 address '${s2}'`);
      m = m0.len < 32 ? (m0.addr << (32 - m0.len)) >>> 0 : m0.addr;
      if ((n & ~m) !== 0) this.fail(`non-network bits set in "${s1} mask ${s2}"`);
    } else {
      if (masklen > 32) this.fail('mask length must be <= 32');
      m = masklen === 0 ? 0 : (0xffffffff << (32 - masklen)) >>> 0;
      if ((n & ~m) !== 0) this.fail(`non-network bits set in "${s1}/${masklen}"`);
    }
    if (q.addr !== 'net') return this.fail('Mask syntax for networks only');
    return this.host(n, m, q.proto, q.dir, q.addr);
  }

  /** An IPv6 address with an optional prefix length (gencode.c: gen_mcode6). */
  mcode6(text: string, addr: Uint8Array, masklen: number, q: Qual): Node {
    if (masklen > 128) this.fail('mask length must be <= 128');
    const mask = new Uint8Array(16);
    for (let i = 0; i < 16; i++) mask[i] = masklen >= 8 * (i + 1) ? 0xff : masklen > 8 * i ? (0xff << (8 - (masklen % 8))) & 0xff : 0;
    if (addr.some((b, i) => (b & ~mask[i]!) !== 0)) this.fail(`non-network bits set in "${text}/${masklen}"`);
    switch (q.addr) {
      case 'default':
      case 'host':
        if (masklen !== 128) this.fail('Mask syntax for networks only');
        return this.host6(addr, mask, q.proto, q.dir, q.addr);
      case 'net':
        return this.host6(addr, mask, q.proto, q.dir, q.addr);
      default:
        return this.fail('invalid qualifier against IPv6 address');
    }
  }

  /** A MAC address with its qualifiers (gencode.c: gen_ecode). */
  ecode(text: string, q: Qual): Node {
    if ((q.addr === 'host' || q.addr === 'default') && q.proto === 'link') return this.ehost(etherAton(text), q.dir);
    return this.fail('ethernet address used in non-ether expression');
  }

  /** `broadcast`, `ether broadcast`, `ip broadcast` (gencode.c: gen_broadcast). */
  broadcast(proto: Proto): Node {
    if (proto === 'default' || proto === 'link') return this.ehost([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 'dst');
    if (proto !== 'ip') return this.fail('only link-layer/IP broadcast filters supported');
    if (this.options.netmask >>> 0 === 0xffffffff) this.fail("netmask not known, so 'ip broadcast' not supported");
    const hostmask = ~this.options.netmask >>> 0;
    const dst = this.net(16, 4);
    return and(this.linktype(ETHERTYPE.ip), or(masked(dst, hostmask, 0), masked(dst, hostmask, hostmask)));
  }

  /** `multicast`, `ether multicast`, `ip multicast`, `ip6 multicast` (gencode.c: gen_multicast). */
  multicast(proto: Proto): Node {
    if (proto === 'default' || proto === 'link') return cmp('set', load(0, 1), 1);
    if (proto === 'ip') return and(this.linktype(ETHERTYPE.ip), cmp('ge', this.net(16, 1), 224));
    if (proto === 'ip6') return and(this.linktype(ETHERTYPE.ip6), cmp('eq', this.net(24, 1), 255));
    return this.fail('link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel');
  }

  /** `vlan [ID]` (gencode.c: gen_vlan_no_bpf_extensions): then moves the offsets past the tag. */
  vlan(id: number | undefined): Node {
    const lt = this.lt();
    let b = or(or(cmp('eq', lt, 0x8100), cmp('eq', lt, 0x88a8)), cmp('eq', lt, 0x9100));
    if (id !== undefined) {
      if (id > 0x0fff) this.fail(`VLAN tag ${id} greater than maximum 4095`);
      b = and(b, masked(this.net(0, 2), 0x0fff, id));
    }
    this.offLinkPl += 4;
    this.offLinkType += 4;
    return b;
  }

  /** `pppoed` (gencode.c: gen_pppoed). */
  pppoed(): Node {
    return this.linktype(ETHERTYPE.pppoed);
  }

  /** `llc` and its frame types (gencode.c: gen_llc, gen_llc_i, gen_llc_s, gen_llc_u and their subtypes). */
  llc(kind?: 'i' | 's' | 'u' | { s: number } | { u: number }): Node {
    const base = and(not(cmp('gt', this.lt(), ETHERMTU)), not(cmp('eq', this.net(0, 2), 0xffff)));
    if (kind === undefined) return base;
    const control = this.net(2, 1);
    if (kind === 'i') return and(base, not(cmp('set', control, 0x01)));
    if (kind === 's') return and(base, masked(control, 0x03, 0x01));
    if (kind === 'u') return and(base, masked(control, 0x03, 0x03));
    if ('s' in kind) return and(base, masked(control, 0x0f, kind.s));
    return and(base, masked(control, 0xef, kind.u));
  }

  /** `inbound`/`outbound` (gencode.c: gen_inbound): packet-direction metadata of a live Linux capture. */
  inbound(outbound: boolean): Node {
    if (this.options.savefile) this.fail('inbound/outbound not supported on Ethernet when reading savefiles');
    const b: Node = { t: 'meta', what: 'outbound', v: 1 };
    return outbound ? b : not(b);
  }

  /** `ifindex N` (gencode.c: gen_ifindex): the interface metadata of a live Linux capture. */
  ifindex(index: number): Node {
    if (this.options.savefile) this.fail('ifindex not supported on Ethernet when reading savefiles');
    return { t: 'meta', what: 'ifindex', v: index };
  }

  /** `byte N op V` (gencode.c: gen_byteop). */
  byteop(op: string, idx: number, val: number): Node {
    const b = load(idx, 1);
    if (op === '=') return cmp('eq', b, val);
    if (op === '<') return not(cmp('ge', b, val));
    if (op === '>') return cmp('gt', b, val);
    // gen_byteop's '&' and '|' test the accumulator without loading the byte, so they depend on what ran before.
    return this.unsupported(`byte ${idx} ${op} ${val}`);
  }

  /** `less N` (gencode.c: gen_less): length at most N. */
  less(n: number): Node {
    return not(cmp('gt', { k: 'len' }, n));
  }

  /** `greater N` (gencode.c: gen_greater): length at least N. */
  greater(n: number): Node {
    return cmp('ge', { k: 'len' }, n);
  }

  /** A constant operand (gencode.c: gen_loadi). */
  loadi(v: number): Arth {
    return { value: constant(v), checks: undefined, firstImm: v >>> 0 };
  }

  /** The packet length (gencode.c: gen_loadlen). */
  loadlen(): Arth {
    return { value: { k: 'len' }, checks: undefined, firstImm: undefined };
  }

  /** `proto[index:size]` (gencode.c: gen_load). */
  load(proto: Proto, index: Arth, size: number): Arth {
    if (size !== 1 && size !== 2 && size !== 4) return this.fail('data size must be 1, 2, or 4');
    const at = (offset: number, ipHeader?: number): Value =>
      ipHeader === undefined ? { k: 'load', size, index: index.value, offset } : { k: 'load', size, index: index.value, offset, ipHeader };
    const withChecks = (value: Value, checks: Node): Arth => ({ value, checks, firstImm: index.firstImm });
    switch (proto) {
      case 'radio':
        return this.fail('radio information not present in capture');
      case 'link':
        return { value: at(0), checks: index.checks, firstImm: index.firstImm };
      case 'ip':
      case 'arp':
      case 'rarp':
      case 'atalk':
      case 'decnet':
      case 'sca':
      case 'lat':
      case 'moprc':
      case 'mopdl':
      case 'ip6': {
        const b = this.protoAbbrev(proto);
        return withChecks(at(this.offLinkPl), index.checks ? and(index.checks, b) : b);
      }
      case 'sctp':
      case 'tcp':
      case 'udp':
      case 'icmp':
      case 'igmp':
      case 'igrp':
      case 'pim':
      case 'vrrp':
      case 'carp': {
        let b = and(this.protoAbbrev(proto), this.ipFirstFragment());
        if (index.checks) b = and(index.checks, b);
        b = and(this.protoAbbrev('ip'), b);
        return withChecks(at(this.offLinkPl, this.offLinkPl), b);
      }
      case 'icmp6': {
        let b = this.protoAbbrev('ip6');
        if (index.checks) b = and(index.checks, b);
        b = and(b, cmp('eq', this.net(6, 1), IPPROTO.icmp6));
        return withChecks(at(this.offLinkPl + 40), b);
      }
      default:
        return this.fail('unsupported index operation');
    }
  }

  /**
   * `a op b` (gencode.c: gen_arth), with its checks of constant divisors and shift counts. The result keeps only
   * the protocol tests of `a`: gen_arth drops those of `b`, so `0 - ip[0] > 5` loads ip[0] from any frame.
   */
  arth(op: AluOp, a0: Arth, a1: Arth): Arth {
    if (op === '/' && a1.firstImm === 0) this.fail('division by zero');
    if (op === '%' && a1.firstImm === 0) this.fail('modulus by zero');
    if ((op === '<<' || op === '>>') && a1.firstImm !== undefined && a1.firstImm > 31) this.fail('shift by more than 31 bits');
    return { value: { k: 'alu', op, a: a0.value, b: a1.value }, checks: a0.checks, firstImm: a0.firstImm };
  }

  /** `-a` (gencode.c: gen_neg). */
  neg(a: Arth): Arth {
    return { value: { k: 'neg', a: a.value }, checks: a.checks, firstImm: a.firstImm };
  }

  private andChecks(a: Node | undefined, b: Node | undefined): Node | undefined {
    return a && b ? and(a, b) : (a ?? b);
  }

  /** `a relop b` (gencode.c: gen_relation): the protocol tests of both sides, then the comparison. */
  relation(relop: string, a0: Arth, a1: Arth): Node {
    const ops: Record<string, ['eq' | 'gt' | 'ge', boolean]> = {
      '>': ['gt', false], GEQ: ['ge', false], '=': ['eq', false], LEQ: ['gt', true], '<': ['ge', true], NEQ: ['eq', true],
    };
    const [op, reversed] = ops[relop]!;
    let b = cmp(op, a0.value, a1.value);
    if (reversed) b = not(b);
    const checks = this.andChecks(a0.checks, a1.checks);
    return checks ? and(checks, b) : b;
  }
}
