/*
 * The parser of pcap-filter(7) expressions: a recursive-descent rendering of libpcap 1.10's grammar.y that makes
 * the choices its LALR(1) tables make, and runs the code generator at the points where bison reduces:
 *
 * - `and` and `or` have equal precedence and group left to right; `not` binds tightest.
 * - After `and`/`or`, a bare identifier, number, address or `(` id ... `)` is an `id` that inherits the qualifiers of
 *   the term before it (grammar.y: `$<blk>0`): `host a or b`, `port 80 or 443`, `tcp port 80 and (81 or 82)`.
 *   A parenthesised expression passes on the qualifiers that were in force before its `(`.
 * - Arithmetic follows the %left declarations (| & << >> + - * /, unary minus above all); `%` and `^` have no
 *   precedence, so bison shifts over them: `1 % 2 + 3` is `1 % (2 + 3)`.
 * - Errors: the first error set wins, except that the code generator's errors replace an error the scanner set on
 *   a token the parser had already read (gencode.c: bpf_error overwrites, bpf_set_error does not).
 */
import { Gen, FilterFault, QERR, type Arth, type AddrType, type Dir, type Proto, type Qual } from './filter-gen.ts';
import { and, not, or, type AluOp, type Node } from './filter-ir.ts';
import { parseIpv6Text, type Token, type TokenKind } from './filter-lexer.ts';

const PNAME: Partial<Record<TokenKind, Proto>> = {
  LINK: 'link', IP: 'ip', ARP: 'arp', RARP: 'rarp', SCTP: 'sctp', TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', IGMP: 'igmp',
  IGRP: 'igrp', PIM: 'pim', VRRP: 'vrrp', CARP: 'carp', ATALK: 'atalk', AARP: 'aarp', DECNET: 'decnet', LAT: 'lat',
  SCA: 'sca', MOPDL: 'mopdl', MOPRC: 'moprc', IPV6: 'ip6', ICMPV6: 'icmp6', AH: 'ah', ESP: 'esp', ISO: 'iso',
  ESIS: 'esis', ISIS: 'isis', L1: 'l1', L2: 'l2', IIH: 'iih', LSP: 'lsp', SNP: 'snp', PSNP: 'psnp', CSNP: 'csnp',
  CLNP: 'clnp', STP: 'stp', IPX: 'ipx', NETBEUI: 'netbeui', RADIO: 'radio',
};
const DQUAL: Partial<Record<TokenKind, Dir>> = { SRC: 'src', DST: 'dst', ADDR1: 'addr1', ADDR2: 'addr2', ADDR3: 'addr3', ADDR4: 'addr4', RA: 'ra', TA: 'ta' };
const AQUAL: Partial<Record<TokenKind, AddrType>> = { HOST: 'host', NET: 'net', PORT: 'port', PORTRANGE: 'portrange' };
const BINARY: Partial<Record<TokenKind, AluOp>> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '&': '&', '|': '|', '^': '^', LSH: '<<', RSH: '>>' };
/** grammar.y's %left lines; `%` and `^` are not declared. */
const PRECEDENCE: Partial<Record<AluOp, number>> = { '|': 1, '&': 2, '<<': 3, '>>': 3, '+': 4, '-': 4, '*': 5, '/': 5 };
const UMINUS = 6;
const RELOPS: ReadonlySet<TokenKind> = new Set(['>', 'GEQ', '=', 'LEQ', '<', 'NEQ']);
/** The lookaheads that end an `id` after `and`/`or` (FOLLOW of expr). */
const END_OF_ID: ReadonlySet<TokenKind> = new Set(['AND', 'OR', ')', 'EOF']);
const ATM_TYPES: Partial<Record<TokenKind, string>> = {
  LANE: 'lane', METAC: 'metac', BCC: 'bcc', OAMF4EC: 'oam4ec', OAMF4SC: 'oam4sc', SC: 'sc', ILMIC: 'ilmic',
  OAM: 'oam', OAMF4: 'oamf4', CONNECTMSG: 'connectmsg', METACONNECT: 'metaconnect',
};
const MTP2_TYPES: Partial<Record<TokenKind, string>> = {
  FISU: "'fisu' supported only on MTP2", LSSU: "'lssu' supported only on MTP2", MSU: "'msu' supported only on MTP2",
  HFISU: "'hfisu' supported only on MTP2_HSL", HLSSU: "'hlssu' supported only on MTP2_HSL", HMSU: "'hmsu' supported only on MTP2_HSL",
};
const FIELDS: Partial<Record<TokenKind, string>> = {
  VPI: "'vpi' supported only on raw ATM", VCI: "'vci' supported only on raw ATM", SIO: "'sio' supported only on SS7",
  OPC: "'opc' supported only on SS7", DPC: "'dpc' supported only on SS7", SLS: "'sls' supported only on SS7",
  HSIO: "'sio' supported only on SS7", HOPC: "'opc' supported only on SS7", HDPC: "'dpc' supported only on SS7",
  HSLS: "'sls' supported only on SS7",
};
const WLAN_TYPES: ReadonlyMap<string, number> = new Map([['data', 0x08], ['mgt', 0x00], ['management', 0x00], ['ctl', 0x04], ['control', 0x04]]);
const WLAN_SUBTYPES: ReadonlyMap<number, readonly string[]> = new Map([
  [0x00, ['assocreq', 'assoc-req', 'assocresp', 'assoc-resp', 'reassocreq', 'reassoc-req', 'reassocresp', 'reassoc-resp', 'probereq', 'probe-req', 'proberesp', 'probe-resp', 'beacon', 'atim', 'disassoc', 'disassociation', 'auth', 'authentication', 'deauth', 'deauthentication']],
  [0x04, ['ps-poll', 'rts', 'cts', 'ack', 'cf-end', 'cf-end-ack']],
  [0x08, ['data', 'data-cf-ack', 'data-cf-poll', 'data-cf-ack-poll', 'null', 'cf-ack', 'cf-poll', 'cf-ack-poll', 'qos-data', 'qos-data-cf-ack', 'qos-data-cf-poll', 'qos-data-cf-ack-poll', 'qos', 'qos-cf-poll', 'qos-cf-ack-poll']],
]);
const PF_REASONS = ['match', 'bad-offset', 'fragment', 'short', 'normalize', 'memory', 'bad-timestamp', 'congestion', 'ip-option', 'proto-cksum', 'state-mismatch', 'state-insert', 'state-limit', 'src-limit', 'synproxy'];
const PF_ACTIONS = ['pass', 'accept', 'drop', 'block', 'scrub', 'noscrub', 'nat', 'nonat', 'binat', 'nobinat', 'rdr', 'nordr', 'synproxy-drop'];
const LLC_S: ReadonlyMap<string, number> = new Map([['rr', 0x01], ['rnr', 0x05], ['rej', 0x09]]);
const LLC_U: ReadonlyMap<string, number> = new Map([['ui', 0x03], ['ua', 0x63], ['disc', 0x43], ['dm', 0x0f], ['sabme', 0x6f], ['test', 0xe3], ['xid', 0xaf], ['frmr', 0x87]]);

/** What a parenthesised group turned out to be (grammar.y: `paren pid ')'`, pnum, narth, or `paren expr ')'`). */
type Group =
  | { readonly kind: 'pid'; readonly node: Node }
  | { readonly kind: 'pnum'; readonly value: number }
  | { readonly kind: 'narth'; readonly arth: Arth }
  | { readonly kind: 'expr'; readonly node: Node };

/** An `id` or a `term`, with the qualifiers it passes on. */
interface Operand {
  readonly node: Node;
  readonly q: Qual;
  readonly kind: 'id' | 'term';
}

/** A grammar-level error (bpf_set_error/yyerror): it does not replace an error the scanner already set. */
export class GrammarFault extends FilterFault {}

const lower = (s: string): string => s.toLowerCase();

/** Parses a token list into a test, generating code as it goes; throws FilterFault. */
export class FilterParser {
  private pos = 0;
  /** Open groups, `not`s and pending arithmetic operators: about bison's stack depth (YYMAXDEPTH 10000). */
  private depth = 0;
  /** The first error the scanner set on a token the parser has read. */
  lexError: string | undefined;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly gen: Gen,
  ) {}

  /** The whole program (grammar.y: prog); undefined for an empty filter, which accepts every packet. */
  parseProgram(): Node | undefined {
    // Parentheses nested past bison's stack exhaust it before this recursive parser would exhaust JavaScript's.
    let open = 0;
    for (const t of this.tokens) {
      open += t.kind === '(' ? 1 : t.kind === ')' ? -1 : 0;
      if (open >= 9996) throw new GrammarFault("can't parse filter expression: memory exhausted");
    }
    if (this.peek().kind === 'EOF') return undefined;
    const node = this.expr(QERR);
    if (this.peek().kind !== 'EOF') this.syntaxError();
    return node;
  }

  private peek(ahead = 0): Token {
    const t = this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
    for (let i = this.pos; i <= Math.min(this.pos + ahead, this.tokens.length - 1); i++) {
      const e = this.tokens[i]!.error;
      if (e !== undefined && this.lexError === undefined) this.lexError = e;
    }
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private syntaxError(): never {
    throw new GrammarFault("can't parse filter expression: syntax error");
  }

  /** Enters a nested construct, failing as bison does when its stack would outgrow YYMAXDEPTH. */
  private nest(by = 1): void {
    this.depth += by;
    if (this.depth >= 9996) throw new GrammarFault("can't parse filter expression: memory exhausted");
  }

  private expect(kind: TokenKind): Token {
    if (this.peek().kind !== kind) this.syntaxError();
    return this.next();
  }

  /** `expr: term | expr and term | expr and id | expr or term | expr or id`. */
  private expr(ctx: Qual): Node {
    const first = this.operand(ctx, false, true);
    return this.exprRest(first.node, first.q);
  }

  private exprRest(first: Node, q0: Qual): Node {
    let node = first;
    let q = q0;
    for (let t = this.peek(); t.kind === 'AND' || t.kind === 'OR'; t = this.peek()) {
      this.next();
      const r = this.operand(q, true, true);
      node = t.kind === 'AND' ? and(node, r.node) : or(node, r.node);
      q = r.q;
    }
    return node;
  }

  /** An `id` (qualifiers from `ctx`) or a `term`, as allowed here. */
  private operand(ctx: Qual, allowId: boolean, allowTerm: boolean): Operand {
    const t = this.peek();
    switch (t.kind) {
      case '!': {
        this.next();
        this.nest();
        const r = this.operand(ctx, allowId, allowTerm);
        this.depth--;
        return { node: not(r.node), q: r.q, kind: r.kind };
      }
      case 'ID':
      case 'HID':
      case 'HID6':
      case 'EID':
      case 'AID':
        if (!allowId) this.syntaxError();
        return { node: this.nid(ctx), q: ctx, kind: 'id' };
      case 'NUM':
        this.next();
        return this.afterNumber(ctx, t.value, allowId, allowTerm);
      case '(': {
        const group = this.group(ctx, allowId, allowTerm);
        switch (group.kind) {
          case 'pid': return { node: group.node, q: ctx, kind: 'id' };
          case 'expr': return { node: group.node, q: ctx, kind: 'term' };
          case 'pnum': return this.afterNumber(ctx, group.value, allowId, allowTerm);
          case 'narth': return { node: this.relation(group.arth), q: QERR, kind: 'term' };
        }
        break;
      }
      default:
        if (!allowTerm) this.syntaxError();
        return { ...this.rterm(ctx), kind: 'term' };
    }
    throw new Error('unreachable');
  }

  /** After a number (pnum): `id: pnum`, or the start of an arithmetic relation. */
  private afterNumber(ctx: Qual, value: number, allowId: boolean, allowTerm: boolean): Operand {
    if (allowId && (!allowTerm || END_OF_ID.has(this.peek().kind))) return { node: this.gen.ncode(undefined, value, ctx), q: ctx, kind: 'id' };
    if (!allowTerm) this.syntaxError();
    return { node: this.relation(this.gen.loadi(value)), q: QERR, kind: 'term' };
  }

  /** `( ... )`: consumes the group and reports what it was. */
  private group(ctx: Qual, allowId: boolean, allowTerm: boolean): Group {
    this.expect('(');
    this.nest();
    const inner = this.groupInner(ctx, allowId, allowTerm);
    this.expect(')');
    this.depth--;
    return inner;
  }

  private groupInner(ctx: Qual, allowId: boolean, allowTerm: boolean): Group {
    const t = this.peek();
    switch (t.kind) {
      case 'ID':
      case 'HID':
      case 'HID6':
      case 'EID':
      case 'AID':
        if (!allowId) this.syntaxError();
        return this.pidRest(this.nid(ctx), ctx);
      case 'NUM':
        this.next();
        return this.groupAfterNumber(ctx, t.value, allowId, allowTerm);
      case '(': {
        // A group inside a group is a number, arithmetic or an expression; never `paren pid ')'`.
        const inner = this.group(ctx, false, allowTerm);
        switch (inner.kind) {
          case 'pnum': return this.groupAfterNumber(ctx, inner.value, allowId, allowTerm);
          case 'narth': return this.groupAfterArth(this.arith(inner.arth));
          case 'expr': return { kind: 'expr', node: this.exprRest(inner.node, ctx) };
          case 'pid': throw new Error('unreachable');
        }
        break;
      }
      case '!': {
        this.next();
        this.nest();
        const r = this.operand(ctx, allowId, allowTerm);
        this.depth--;
        if (r.kind === 'id') return this.pidRest(not(r.node), ctx);
        return { kind: 'expr', node: this.exprRest(not(r.node), r.q) };
      }
      default: {
        if (!allowTerm) this.syntaxError();
        if (t.kind === '-' || t.kind === 'LEN' || (PNAME[t.kind] !== undefined && this.peek(1).kind === '[')) return this.groupAfterArth(this.arith());
        const r = this.rterm(ctx);
        return { kind: 'expr', node: this.exprRest(r.node, r.q) };
      }
    }
    throw new Error('unreachable');
  }

  /** Inside a group after a number: `( pnum )`, `qid and id` of a pid, or arithmetic. */
  private groupAfterNumber(ctx: Qual, value: number, allowId: boolean, allowTerm: boolean): Group {
    const t = this.peek();
    if (t.kind === ')') return { kind: 'pnum', value };
    if (allowId && (!allowTerm || t.kind === 'AND' || t.kind === 'OR')) {
      // bison reduces `qid: pnum` by default here, generating the code before it finds the syntax error.
      const node = this.gen.ncode(undefined, value, ctx);
      if (t.kind !== 'AND' && t.kind !== 'OR') this.syntaxError();
      return this.pidRest(node, ctx);
    }
    if (!allowTerm) this.syntaxError();
    return this.groupAfterArth(this.arith(this.gen.loadi(value)));
  }

  /** Inside a group after arithmetic: `( narth )`, or a relation starting an expression. */
  private groupAfterArth(a: Arth): Group {
    if (this.peek().kind === ')') return { kind: 'narth', arth: a };
    return { kind: 'expr', node: this.exprRest(this.relationRest(a), QERR) };
  }

  /** `pid: nid | qid and id | qid or id`: ids sharing the qualifiers `ctx`. */
  private pidRest(first: Node, ctx: Qual): Group {
    let node = first;
    for (let t = this.peek(); t.kind === 'AND' || t.kind === 'OR'; t = this.peek()) {
      this.next();
      const r = this.operand(ctx, true, false);
      node = t.kind === 'AND' ? and(node, r.node) : or(node, r.node);
    }
    return { kind: 'pid', node };
  }

  /** `nid`: a name, address or number form, with the qualifiers `ctx`. */
  private nid(q: Qual): Node {
    const t = this.next();
    switch (t.kind) {
      case 'ID':
        return this.gen.scode(t.text, q);
      case 'HID': {
        const after = this.peek();
        if (after.kind === '/') {
          this.next();
          return this.gen.mcode(t.text, undefined, this.expect('NUM').value, q);
        }
        if (after.kind === 'NETMASK') {
          this.next();
          return this.gen.mcode(t.text, this.expect('HID').text, 0, q);
        }
        if (q.addr === 'port' || q.addr === 'portrange' || q.addr === 'proto' || q.addr === 'protochain') {
          throw new GrammarFault(`'${q.addr}' modifier applied to ip host`);
        }
        return this.gen.ncode(t.text, 0, q);
      }
      case 'HID6': {
        const addr = parseIpv6Text(t.text);
        if (addr === undefined) throw new GrammarFault(t.error ?? "can't parse filter expression: syntax error");
        let masklen = 128;
        if (this.peek().kind === '/') {
          this.next();
          masklen = this.expect('NUM').value;
        }
        return this.gen.mcode6(t.text, addr, masklen, q);
      }
      case 'EID':
        if (t.error !== undefined) throw new GrammarFault(t.error);
        return this.gen.ecode(t.text, q);
      case 'AID':
        return this.gen.fail('aid supported only on ARCnet');
      default:
        return this.syntaxError();
    }
  }

  /** `rterm` other than a group or a number: head id, a protocol name, `other`, or arithmetic. */
  private rterm(ctx: Qual): { node: Node; q: Qual } {
    const t = this.peek();
    const proto = PNAME[t.kind];
    if (proto !== undefined) {
      this.next();
      const after = this.peek().kind;
      if (after === '[') return { node: this.relation(this.arithFromLoad(proto)), q: QERR };
      if (END_OF_ID.has(after)) return { node: this.gen.protoAbbrev(proto), q: QERR };
      return this.qualified(proto);
    }
    switch (t.kind) {
      case '-':
      case 'LEN':
        return { node: this.relation(), q: QERR };
      case 'LESS':
      case 'GREATER': {
        this.next();
        const n = this.expect('NUM').value;
        return { node: t.kind === 'LESS' ? this.gen.less(n) : this.gen.greater(n), q: QERR };
      }
      case 'CBYTE': {
        this.next();
        const idx = this.expect('NUM').value;
        const op = this.next();
        if (!['&', '|', '<', '>', '='].includes(op.kind)) this.syntaxError();
        const val = this.expect('NUM').value;
        return { node: this.gen.byteop(op.kind, idx, val), q: QERR };
      }
      case 'INBOUND':
      case 'OUTBOUND':
        this.next();
        return { node: this.gen.inbound(t.kind === 'OUTBOUND'), q: QERR };
      case 'IFINDEX':
        this.next();
        return { node: this.gen.ifindex(this.expect('NUM').value), q: QERR };
      case 'VLAN': {
        this.next();
        const id = this.optionalNumber();
        return { node: this.gen.vlan(id), q: QERR };
      }
      case 'MPLS':
      case 'PPPOES':
      case 'GENEVE':
        this.next();
        this.optionalNumber();
        return this.gen.unsupported(t.text);
      case 'PPPOED':
        this.next();
        return { node: this.gen.pppoed(), q: QERR };
      case 'LLC':
        this.next();
        return { node: this.llc(), q: QERR };
      default:
        return this.qualified('default');
    }
  }

  /** What follows an optional protocol qualifier: a head and its id, broadcast, multicast, or 802.11 tests. */
  private qualified(proto: Proto): { node: Node; q: Qual } {
    const t = this.peek();
    if (t.kind === 'TK_BROADCAST' || t.kind === 'TK_MULTICAST') {
      this.next();
      return { node: t.kind === 'TK_BROADCAST' ? this.gen.broadcast(proto) : this.gen.multicast(proto), q: QERR };
    }
    if (t.kind === 'TYPE' || t.kind === 'SUBTYPE' || t.kind === 'DIR') return { node: this.p80211(), q: QERR };
    if (proto === 'default') {
      const other = this.other(t);
      if (other !== undefined) return { node: other, q: QERR };
    }
    return this.head(proto);
  }

  /** `head id` (grammar.y: head). */
  private head(proto: Proto): { node: Node; q: Qual } {
    let dir: Dir = 'default';
    let addr: AddrType = 'default';
    const t = this.peek();
    const d = DQUAL[t.kind];
    if (d !== undefined) {
      this.next();
      dir = d;
      const after = this.peek().kind;
      if ((t.kind === 'SRC' || t.kind === 'DST') && (after === 'OR' || after === 'AND')) {
        this.next();
        this.expect(t.kind === 'SRC' ? 'DST' : 'SRC');
        dir = after === 'OR' ? 'or' : 'and';
      }
      const a = AQUAL[this.peek().kind];
      if (a !== undefined) {
        this.next();
        addr = a;
      }
    } else if (AQUAL[t.kind] !== undefined) {
      this.next();
      addr = AQUAL[t.kind]!;
    } else if (t.kind === 'PROTO' || t.kind === 'PROTOCHAIN' || t.kind === 'GATEWAY') {
      this.next();
      addr = t.kind === 'PROTO' ? 'proto' : t.kind === 'PROTOCHAIN' ? 'protochain' : 'gateway';
    } else {
      this.syntaxError();
    }
    const r = this.operand({ proto, dir, addr }, true, false);
    return { node: r.node, q: r.q };
  }

  /** The `other` alternatives without a protocol qualifier that only fail on Ethernet (ATM, SS7, pf), or undefined. */
  private other(t: Token): Node | undefined {
    const atm = ATM_TYPES[t.kind];
    if (atm !== undefined) {
      this.next();
      return this.gen.fail(`'${atm}' supported only on raw ATM`);
    }
    const mtp2 = MTP2_TYPES[t.kind];
    if (mtp2 !== undefined) {
      this.next();
      return this.gen.fail(mtp2);
    }
    const field = FIELDS[t.kind];
    if (field !== undefined) {
      this.next();
      const v = this.peek();
      if (RELOPS.has(v.kind)) this.next();
      else if (v.kind === '(') this.next();
      else if (v.kind !== 'NUM') this.syntaxError();
      this.expect('NUM');
      return this.gen.fail(field);
    }
    switch (t.kind) {
      case 'PF_IFNAME':
      case 'PF_RSET':
        this.next();
        this.expect('ID');
        return this.gen.fail(t.kind === 'PF_IFNAME' ? 'ifname supported only on PF linktype' : 'ruleset supported only on PF linktype');
      case 'PF_RNR':
      case 'PF_SRNR':
        this.next();
        this.expect('NUM');
        return this.gen.fail(t.kind === 'PF_RNR' ? 'rnr supported only on PF linktype' : 'srnr supported only on PF linktype');
      case 'PF_REASON': {
        this.next();
        const v = this.next();
        if (v.kind === 'ID' && !PF_REASONS.includes(lower(v.text))) throw new GrammarFault(`unknown PF reason "${v.text}"`);
        if (v.kind !== 'ID' && v.kind !== 'NUM') this.syntaxError();
        return this.gen.fail('reason supported only on PF linktype');
      }
      case 'PF_ACTION': {
        this.next();
        const v = this.expect('ID');
        if (!PF_ACTIONS.includes(lower(v.text))) throw new GrammarFault(`unknown PF action "${v.text}"`);
        return this.gen.fail('action supported only on PF linktype');
      }
      default:
        return undefined;
    }
  }

  /** `type T [subtype S]`, `subtype S`, `dir D` (grammar.y: p80211): all errors on Ethernet. */
  private p80211(): Node {
    const t = this.next();
    if (t.kind === 'DIR') {
      const d = this.next();
      if (d.kind === 'ID' && !['nods', 'tods', 'fromds', 'dstods'].includes(lower(d.text))) throw new GrammarFault('unknown 802.11 direction');
      if (d.kind !== 'ID' && d.kind !== 'NUM') this.syntaxError();
      return this.gen.fail('frame direction supported only with 802.11 headers');
    }
    if (t.kind === 'SUBTYPE') {
      const s = this.expect('ID');
      if (![...WLAN_SUBTYPES.values()].some((names) => names.includes(lower(s.text)))) throw new GrammarFault('unknown 802.11 type name');
      return this.gen.fail('802.11 link-layer types supported only on 802.11');
    }
    const type = this.next();
    let tv: number;
    if (type.kind === 'NUM') {
      if ((type.value & ~0x0c) !== 0) throw new GrammarFault(`invalid 802.11 type value 0x${type.value.toString(16).padStart(2, '0')}`);
      tv = type.value;
    } else if (type.kind === 'ID') {
      const v = WLAN_TYPES.get(lower(type.text));
      if (v === undefined) throw new GrammarFault(`unknown 802.11 type name "${type.text}"`);
      tv = v;
    } else {
      return this.syntaxError();
    }
    if (this.peek().kind === 'SUBTYPE') {
      this.next();
      const s = this.next();
      if (s.kind === 'NUM') {
        if ((s.value & ~0xf0) !== 0) throw new GrammarFault(`invalid 802.11 subtype value 0x${s.value.toString(16).padStart(2, '0')}`);
      } else if (s.kind === 'ID') {
        const names = WLAN_SUBTYPES.get(tv);
        if (names === undefined) throw new GrammarFault('unknown 802.11 type');
        if (!names.includes(lower(s.text))) throw new GrammarFault(`unknown 802.11 subtype name "${s.text}"`);
      } else {
        this.syntaxError();
      }
    }
    return this.gen.fail('802.11 link-layer types supported only on 802.11');
  }

  /** `llc [type]` (grammar.y: pllc). */
  private llc(): Node {
    const t = this.peek();
    if (t.kind === 'PF_RNR') {
      this.next();
      return this.gen.llc({ s: 0x05 });
    }
    if (t.kind !== 'ID') return this.gen.llc();
    this.next();
    const name = lower(t.text);
    if (name === 'i' || name === 's' || name === 'u') return this.gen.llc(name);
    const s = LLC_S.get(name);
    if (s !== undefined) return this.gen.llc({ s });
    const u = LLC_U.get(name);
    if (u !== undefined) return this.gen.llc({ u });
    throw new GrammarFault(`unknown LLC type name "${t.text}"`);
  }

  /** An optional pnum after vlan/mpls/pppoes/geneve. */
  private optionalNumber(): number | undefined {
    const t = this.peek();
    if (t.kind !== 'NUM' && t.kind !== '(') return undefined;
    return this.pnum();
  }

  /** `pnum: NUM | paren pnum ')'`. */
  private pnum(): number {
    if (this.peek().kind === '(') {
      this.next();
      const v = this.pnum();
      this.expect(')');
      return v;
    }
    return this.expect('NUM').value;
  }

  /** `arth relop arth`, from an optional first operand. */
  private relation(first?: Arth): Node {
    return this.relationRest(this.arith(first));
  }

  private relationRest(a0: Arth): Node {
    const op = this.peek();
    if (!RELOPS.has(op.kind)) this.syntaxError();
    this.next();
    return this.gen.relation(op.kind, a0, this.arith());
  }

  /** `pname '[' arth [':' NUM] ']'`, the protocol name already read. */
  private arithFromLoad(proto: Proto): Arth {
    this.expect('[');
    const index = this.arith();
    let size = 1;
    if (this.peek().kind === ':') {
      this.next();
      size = this.expect('NUM').value;
    }
    this.expect(']');
    return this.gen.load(proto, index, size);
  }

  private arithPrimary(): Arth {
    const t = this.peek();
    const proto = PNAME[t.kind];
    if (proto !== undefined) {
      this.next();
      return this.arithFromLoad(proto);
    }
    switch (t.kind) {
      case 'NUM':
        this.next();
        return this.gen.loadi(t.value);
      case 'LEN':
        this.next();
        return this.gen.loadlen();
      case '(': {
        this.next();
        this.nest();
        const a = this.arith();
        this.expect(')');
        this.depth--;
        return a;
      }
      default:
        return this.syntaxError();
    }
  }

  /** An arithmetic expression, reduced in the order bison's precedence rules reduce it. */
  private arith(first?: Arth): Arth {
    const operands: Arth[] = first ? [first] : [];
    const ops: Array<AluOp | 'neg'> = [];
    const reduce = (): void => {
      const op = ops.pop()!;
      this.depth -= op === 'neg' ? 1 : 2;
      if (op === 'neg') {
        operands.push(this.gen.neg(operands.pop()!));
        return;
      }
      const b = operands.pop()!;
      const a = operands.pop()!;
      operands.push(this.gen.arth(op, a, b));
    };
    let expectOperand = first === undefined;
    for (;;) {
      if (expectOperand) {
        if (this.peek().kind === '-') {
          this.next();
          this.nest();
          ops.push('neg');
          continue;
        }
        operands.push(this.arithPrimary());
        expectOperand = false;
        continue;
      }
      const op = BINARY[this.peek().kind];
      if (op === undefined) break;
      for (;;) {
        const top = ops[ops.length - 1];
        if (top === undefined) break;
        const pt = top === 'neg' ? UMINUS : PRECEDENCE[top];
        const pl = PRECEDENCE[op];
        if (pt === undefined || pl === undefined || pt < pl) break;
        reduce();
      }
      this.next();
      this.nest(2);
      ops.push(op);
      expectOperand = true;
    }
    while (ops.length > 0) reduce();
    return operands[0]!;
  }
}

