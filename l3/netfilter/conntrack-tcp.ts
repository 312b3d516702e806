import { SECOND, type Instant } from '../../core/clock.ts';
import { IPS, type Direction, type NfConn } from './conntrack.ts';

/** enum tcp_conntrack (include/uapi/linux/netfilter/nf_conntrack_tcp.h), by index. */
export const TCP_STATE_NAMES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'] as const;

const sNO = 0, sSS = 1, sSR = 2, sES = 3, sFW = 4, sCW = 5, sLA = 6, sTW = 7, sCL = 8, sS2 = 9, sIV = 10, sIG = 11;

/** tcp_timeouts[] (nf_conntrack_proto_tcp.c): per state, then RETRANS and UNACK (5 min each). */
const TIMEOUTS = [0, 120, 60, 432000, 120, 60, 30, 120, 10, 120].map((s) => s * SECOND);
const TIMEOUT_RETRANS = 300 * SECOND;
const TIMEOUT_UNACK = 300 * SECOND;
/** nf_conntrack_tcp_max_retrans. */
const MAX_RETRANS = 3;

/** enum tcp_bit_set: which row of the table a segment uses. */
const SYN = 0, SYNACK = 1, FIN = 2, ACK = 3, RST = 4, NONE = 5;

/** tcp_conntracks[dir][index][state] as in Linux 6.x. */
const TABLE: readonly (readonly (readonly number[])[])[] = [
  [
    /* syn */ [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    /* synack */ [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    /* fin */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack */ [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    /* rst */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [
    /* syn */ [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    /* synack */ [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    /* fin */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack */ [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    /* rst */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

/** IP_CT_TCP_FLAG_* bits of one direction's state. */
const FLAG_CLOSE_INIT = 0x04;
const FLAG_DATA_UNACKNOWLEDGED = 0x10;
const FLAG_MAXACK_SET = 0x20;

/** One direction's view (struct ip_ct_tcp_state, the parts twinnet keeps). */
interface TcpSide {
  /** The end of the data seen from this side (seq + len). */
  tdEnd: number;
  /** The highest acknowledgement this side sent. */
  tdMaxack: number;
  flags: number;
}

/** struct ip_ct_tcp: the state and what the state machine remembers of the last segment. */
export interface TcpConntrack {
  state: number;
  readonly seen: [TcpSide, TcpSide];
  lastDir: Direction;
  lastIndex: number;
  lastSeq: number;
  lastAck: number;
  lastEnd: number;
  lastWin: number;
  retrans: number;
}

/** The fields of a TCP segment the tracker reads. */
export interface TcpSegment {
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Payload bytes (the datagram's length minus both headers). */
  readonly payload: number;
}

/** The outcome of a tracked segment: accepted (the connection may have died), or invalid (-NF_ACCEPT). */
export type TcpVerdict = 'accept' | 'invalid' | 'repeat';

/**
 * tcp_error()'s tcp_valid_flags[]: the flag combinations (ECE, CWR and PSH aside) conntrack takes; any other
 * (SYN with FIN, FIN alone, no flag at all …) makes the segment invalid: no entry is made or updated.
 */
export function tcpValidFlags(flags: number): boolean {
  const f = flags & 0x37;
  return f === 0x02 || f === 0x22 || f === 0x12 || f === 0x04 || f === 0x14 || f === 0x11 || f === 0x31 || f === 0x10 || f === 0x30;
}

function index(flags: number): number {
  if (flags & 0x04) return RST;
  if (flags & 0x02) return flags & 0x10 ? SYNACK : SYN;
  if (flags & 0x01) return FIN;
  if (flags & 0x10) return ACK;
  return NONE;
}

function after(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

function segmentEnd(s: TcpSegment): number {
  return (s.seq + s.payload + (s.flags & 0x02 ? 1 : 0) + (s.flags & 0x01 ? 1 : 0)) >>> 0;
}

/**
 * tcp_new(): whether a first segment may open a connection (a SYN, or with nf_conntrack_tcp_loose 1 any
 * segment with ACK that is not a RST: a connection picked up in the middle), and its initial state.
 */
export function tcpNew(conn: NfConn, s: TcpSegment): boolean {
  const i = index(s.flags);
  const state = TABLE[0]![i]![sNO]!;
  if (state >= sIV) return false;
  const end = segmentEnd(s);
  conn.tcp = {
    state: sNO,
    seen: [
      { tdEnd: end, tdMaxack: 0, flags: 0 },
      { tdEnd: 0, tdMaxack: 0, flags: 0 },
    ],
    lastDir: 0,
    lastIndex: NONE,
    lastSeq: 0,
    lastAck: 0,
    lastEnd: 0,
    lastWin: 0,
    retrans: 0,
  };
  return true;
}

/**
 * The part of tcp_in_window() twinnet keeps: every segment is taken as in the window (no window tracking), but
 * the ends of data and acknowledgements are followed, for the unacknowledged-data and retransmission timeouts.
 */
function inWindow(t: TcpConntrack, dir: Direction, i: number, s: TcpSegment): void {
  const sender = t.seen[dir];
  const receiver = t.seen[dir === 0 ? 1 : 0];
  const end = segmentEnd(s);
  if (s.flags & 0x10) {
    if (!(sender.flags & FLAG_MAXACK_SET) || after(s.ack, sender.tdMaxack)) sender.tdMaxack = s.ack;
    sender.flags |= FLAG_MAXACK_SET;
  }
  if (after(end, sender.tdEnd)) {
    sender.tdEnd = end;
    sender.flags |= FLAG_DATA_UNACKNOWLEDGED;
  }
  if (s.flags & 0x10 && s.ack === receiver.tdEnd) receiver.flags &= ~FLAG_DATA_UNACKNOWLEDGED;
  if (i === ACK) {
    if (t.lastDir === dir && t.lastSeq === s.seq && t.lastAck === s.ack && t.lastEnd === end && t.lastWin === s.window) t.retrans++;
    else {
      t.lastDir = dir;
      t.lastSeq = s.seq;
      t.lastAck = s.ack;
      t.lastEnd = end;
      t.lastWin = s.window;
      t.retrans = 0;
    }
  }
}

/** An ignored segment (TCP_CONNTRACK_IGNORE): remembered, so that a SYN/ACK answering it can still open the connection. */
function ignore(t: TcpConntrack, dir: Direction, i: number, s: TcpSegment): 'accept' {
  t.lastIndex = i;
  t.lastDir = dir;
  t.lastSeq = s.seq;
  t.lastEnd = segmentEnd(s);
  t.lastWin = s.window;
  return 'accept';
}

/**
 * nf_conntrack_tcp_packet(): moves the connection through the state table, sets ASSURED, refreshes the
 * timeout of the new state (or CLOSE after a RST, UNACK/RETRANS when data waits), kills the entry when the only
 * answer is a RST, and reopens TIME_WAIT/CLOSE connections on a new SYN (the caller retries: 'repeat').
 */
export function tcpPacket(conn: NfConn, dir: Direction, s: TcpSegment, now: Instant, kill: () => void): TcpVerdict {
  const t = conn.tcp!;
  const i = index(s.flags);
  let oldState = t.state;
  let newState = TABLE[dir]![i]![oldState]!;
  // A SYN reopening a TIME_WAIT/CLOSE connection kills the old entry and is tracked again (-NF_REPEAT).
  if (newState === sSS && oldState >= sTW && ((t.seen[0].flags | t.seen[1].flags) & FLAG_CLOSE_INIT || (t.lastDir === dir && t.lastIndex === RST))) {
    kill();
    return 'repeat';
  }
  switch (newState) {
    case sSS:
      if (oldState < sTW) break;
      return ignore(t, dir, i, s);
    case sIG:
      if (i === SYNACK && t.lastIndex === SYN && t.lastDir !== dir && s.ack === t.lastEnd) {
        oldState = sSS;
        newState = sSR;
        break;
      }
      return ignore(t, dir, i, s);
    case sIV:
      return 'invalid';
    case sS2:
      break;
    case sCL:
      if (i === RST && t.seen[dir === 0 ? 1 : 0].flags & FLAG_MAXACK_SET && after(t.seen[dir === 0 ? 1 : 0].tdMaxack, s.seq)) return 'invalid';
      break;
    default:
      break;
  }
  inWindow(t, dir, i, s);
  t.lastIndex = i;
  t.lastDir = dir;
  t.state = newState;
  if (oldState !== newState && newState === sFW) t.seen[dir].flags |= FLAG_CLOSE_INIT;
  let timeout: number;
  if (t.retrans >= MAX_RETRANS && TIMEOUTS[newState]! > TIMEOUT_RETRANS) timeout = TIMEOUT_RETRANS;
  else if (i === RST) timeout = TIMEOUTS[sCL]!;
  else if ((t.seen[0].flags | t.seen[1].flags) & FLAG_DATA_UNACKNOWLEDGED && TIMEOUTS[newState]! > TIMEOUT_UNACK) timeout = TIMEOUT_UNACK;
  else if (t.lastWin === 0 && TIMEOUTS[newState]! > TIMEOUT_RETRANS) timeout = TIMEOUT_RETRANS;
  else timeout = TIMEOUTS[newState]!;
  // The first reply's SEEN_REPLY bit is set by the caller after this, as nf_conntrack_in() does.
  if ((conn.status & IPS.SEEN_REPLY) === 0) {
    if (s.flags & 0x04) {
      kill();
      return 'accept';
    }
    if (i === SYN && oldState === sSS) {
      conn.refresh(now, timeout);
      return 'accept';
    }
    if (newState === sES && timeout > TIMEOUT_UNACK) timeout = TIMEOUT_UNACK;
  } else if (!(conn.status & IPS.ASSURED) && (oldState === sSR || oldState === sES) && newState === sES) {
    conn.status |= IPS.ASSURED;
  }
  conn.refresh(now, timeout);
  return 'accept';
}
