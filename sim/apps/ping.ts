import { MICROSECOND, MILLISECOND, SECOND, type Duration, type Timer } from '../../core/clock.ts';
import { formatIpv4, isMulticastIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import { internetChecksum } from '../../core/checksum.ts';
import { IpProtocol } from '../../core/wire/ipv4.ts';
import type { NetDevice } from '../../l2/device.ts';
import { buildDatagram, ipSend } from '../../l3/ipv4.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import { routeOutput, type OutputRoute } from '../../l3/route.ts';
import type { RawDelivery, RawSocket } from '../../l3/socket.ts';
import { SimProcess } from '../process.ts';

/** The options of iputils ping that twinnet models. Times in nanoseconds. */
export interface PingOptions {
  readonly destination: Ipv4Address;
  /** The destination as typed (a name would be printed as given). */
  readonly destinationText: string;
  readonly count?: number;
  readonly interval?: Duration;
  /** -W: how long to wait for a reply after the last packet (iputils' lingertime, default 10 s). */
  readonly timeout?: Duration;
  /** -w: stop after this long whatever happens. */
  readonly deadline?: Duration;
  /** -I DEV. */
  readonly device?: string;
  /** -I ADDR. */
  readonly sourceAddress?: Ipv4Address;
  readonly size?: number;
  readonly ttl?: number;
  readonly identifier?: number;
  readonly flood?: boolean;
  readonly quiet?: boolean;
  readonly broadcast?: boolean;
  /** A doctest bound for a ping without -c: stop after this many replies, as if ^C (DESIGN.md §1). */
  readonly stopAfterReplies?: number;
}

/** iputils' MAXWAIT: seconds to wait for replies after the last packet when none came. */
const LINGER = 10 * SECOND;
/** iputils' MIN_INTERVAL_MS: a flood without replies sends at most 100 per second. */
const FLOOD_MIN_INTERVAL = 10 * MILLISECOND;

/**
 * iputils ping (20221126) over a raw ICMP socket: its output lines, statistics, exit status and timing, on the
 * virtual clock (ping/ping.c, ping/ping_common.c).
 */
export class PingProcess extends SimProcess {
  private identifier = 0;
  private size: number;
  private interval: Duration;
  private route: OutputRoute | undefined;
  private device: NetDevice | undefined;
  private socket: RawSocket | undefined;
  private startedAt = 0;
  private lastSend = 0;
  private transmitted = 0;
  private received = 0;
  private repeats = 0;
  private errors = 0;
  private pipesize = 0;
  private acked = 0;
  private readonly seen = new Set<number>();
  /** Round-trip statistics in microseconds, as iputils keeps them (ping_common.c gather_statistics(): tmin, tmax, tsum, tsum2). */
  private readonly rtt = { count: 0, min: Infinity, max: 0, sum: 0, sum2: 0 };
  private sendTimer: Timer | undefined;
  private exitTimer: Timer | undefined;
  private deadlineTimer: Timer | undefined;
  private exitScheduled = false;
  /** rts->rtt: the exponentially weighted average shown by -f as ewma. */
  private ewma = 0;

  constructor(
    private readonly ns: NetNamespace,
    private readonly options: PingOptions,
    private readonly nextPid: () => number,
  ) {
    super(ns.scheduler);
    this.size = options.size ?? 56;
    this.interval = options.interval ?? (options.flood ? 0 : SECOND);
  }

  start(): void {
    const o = this.options;
    if (o.device !== undefined) {
      this.device = this.ns.device(o.device);
      if (!this.device) {
        this.printError(`ping: SO_BINDTODEVICE ${o.device}: No such device\n`);
        this.exit(2);
        return;
      }
    }
    const destination = o.destination;
    const isBroadcast = destination === 0xffffffff || this.ns.allAddresses().some((a) => a.broadcast === destination || (a.prefixLength < 31 && ((a.local | ~(0xffffffff << (32 - a.prefixLength))) >>> 0) === destination));
    if (isBroadcast && !o.broadcast) {
      this.printError('ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n');
      this.exit(2);
      return;
    }
    // iputils finds its source by connect()ing a UDP probe socket to the destination.
    const route = routeOutput(this.ns, destination, { oif: this.device, source: o.sourceAddress });
    if (typeof route === 'string') {
      this.printError(`ping: connect: ${route}\n`);
      this.exit(2);
      return;
    }
    this.route = route;
    this.identifier = (o.identifier ?? this.nextPid()) & 0xffff;
    const via = this.device || o.sourceAddress !== undefined ? `from ${formatIpv4(route.source)} ${this.device?.name ?? ''}: ` : '';
    this.print(`PING ${o.destinationText} (${formatIpv4(destination)}) ${via}${this.size}(${this.size + 28}) bytes of data.\n`);
    const socket: RawSocket = {
      protocol: IpProtocol.Icmp,
      boundDevice: this.device,
      deliver: (delivery) => this.receive(delivery),
    };
    this.socket = socket;
    this.ns.sockets.openRaw(socket);
    this.startedAt = this.ns.now;
    if (o.deadline !== undefined) this.deadlineTimer = this.ns.scheduler.after(o.deadline, () => this.finish());
    this.pinger();
  }

  interrupt(): void {
    this.finish();
  }

  /** pinger(): sends one echo request and schedules the next, until -c is reached. */
  private pinger(): void {
    this.sendTimer = undefined;
    if (!this.running) return;
    const count = this.options.count;
    if (count !== undefined && this.transmitted >= count) return;
    this.sendEcho();
    if (count !== undefined && this.transmitted >= count && this.options.deadline === undefined) {
      this.scheduleExit();
      return;
    }
    const wait = this.interval === 0 ? FLOOD_MIN_INTERVAL : this.interval;
    this.sendTimer = this.ns.scheduler.after(wait, () => this.pinger());
  }

  /** __schedule_exit(): after the last packet, wait 2·max rtt (at least the interval) if anything came back, else -W or 10 s. */
  private scheduleExit(): void {
    if (this.exitScheduled) return;
    this.exitScheduled = true;
    let wait: Duration;
    if (this.received > 0) {
      wait = Math.max(2 * this.rtt.max * MICROSECOND, this.interval);
    } else {
      wait = this.options.timeout ?? LINGER;
    }
    this.exitTimer = this.ns.scheduler.after(wait, () => this.finish());
  }

  /** Builds the echo request as iputils does: a timeval, then bytes counting up from 0x10. */
  private sendEcho(): void {
    const route = this.route!;
    this.transmitted++;
    const sequence = this.transmitted & 0xffff;
    // pinger(): rcvd_clear() forgets the sequence sent 65,536 echoes ago, so a reply to this one is no duplicate.
    this.seen.delete(sequence);
    const now = this.ns.now;
    this.lastSend = now;
    const size = this.size;
    const dontFragment = size + 28 <= route.device.mtu;
    const frame = buildDatagram(
      {
        source: route.source,
        destination: this.options.destination,
        protocol: IpProtocol.Icmp,
        ttl: this.options.ttl ?? this.ns.defaultTtl,
        tos: 0,
        identification: this.ns.idents.next(this.options.destination, route.source, IpProtocol.Icmp, now),
        dontFragment,
      },
      8 + size,
      (buf, at) => {
        buf[at] = 8;
        buf[at + 4] = this.identifier >>> 8;
        buf[at + 5] = this.identifier & 0xff;
        buf[at + 6] = sequence >>> 8;
        buf[at + 7] = sequence & 0xff;
        for (let i = 0; i < size; i++) buf[at + 8 + i] = i & 0xff;
        if (size >= 16) writeTimeval(buf, at + 8, now);
        const c = internetChecksum(buf, at, at + 8 + size);
        buf[at + 2] = c >>> 8;
        buf[at + 3] = c & 0xff;
      },
    );
    if (this.options.flood && !this.options.quiet) this.print('.');
    // The raw socket routes each packet itself; the probe's route stands unless the tables changed.
    const current = routeOutput(this.ns, this.options.destination, { oif: this.device, source: this.options.sourceAddress });
    if (typeof current === 'string') {
      this.printError(`ping: sendmsg: ${current}\n`);
      return;
    }
    ipSend(this.ns, frame, current);
  }

  /** ping4_parse_reply() and the error queue: replies with our id, and ICMP errors quoting our requests. */
  private receive(delivery: RawDelivery): void {
    if (!this.running) return;
    const ip = delivery.datagram;
    const headerLength = (ip[0]! & 0x0f) * 4;
    const icmp = ip.subarray(headerLength);
    if (icmp.length < 8) return;
    const type = icmp[0]!;
    const from = readAddress(ip, 12);
    if (type === 0) {
      const id = (icmp[4]! << 8) | icmp[5]!;
      if (id !== this.identifier) return;
      if (!this.options.broadcast && !isMulticastIpv4(this.options.destination) && from !== this.options.destination) return;
      const sequence = (icmp[6]! << 8) | icmp[7]!;
      this.gotReply(sequence, from, ip[8]!, icmp);
      return;
    }
    if (type !== 3 && type !== 5 && type !== 11 && type !== 12 && type !== 4) return;
    const quoted = icmp.subarray(8);
    if (quoted.length < 28) return;
    const quotedHeader = (quoted[0]! & 0x0f) * 4;
    const inner = quoted.subarray(quotedHeader);
    if (inner.length < 8 || inner[0] !== 8) return;
    if (readAddress(quoted, 16) !== this.options.destination) return;
    if (((inner[4]! << 8) | inner[5]!) !== this.identifier) return;
    const sequence = (inner[6]! << 8) | inner[7]!;
    const info = ((icmp[4]! << 24) | (icmp[5]! << 16) | (icmp[6]! << 8) | icmp[7]!) >>> 0;
    if (type === 5 || type === 4) {
      if (this.options.quiet || this.options.flood) return;
      this.print(`From ${formatIpv4(from)}: icmp_seq=${sequence} ${icmpMessage(type, icmp[1]!, info)}\n`);
      return;
    }
    this.acknowledge(sequence);
    this.errors++;
    if (!this.options.quiet) {
      if (this.options.flood) this.print('\bE');
      else this.print(`From ${formatIpv4(from)} icmp_seq=${sequence} ${icmpMessage(type, icmp[1]!, info)}\n`);
    }
    this.checkDone();
  }

  /** gather_statistics(): count, time and print one reply. */
  private gotReply(sequence: number, from: Ipv4Address, ttl: number, icmp: Uint8Array): void {
    this.acknowledge(sequence);
    const duplicate = this.seen.has(sequence);
    let triptime = 0;
    if (this.size >= 16) {
      const sent = readTimeval(icmp, 8);
      triptime = Math.max(0, Math.floor((this.ns.now - sent) / MICROSECOND));
    }
    if (duplicate) {
      this.repeats++;
    } else {
      this.seen.add(sequence);
      this.received++;
    }
    this.rtt.count++;
    this.rtt.min = Math.min(this.rtt.min, triptime);
    this.rtt.max = Math.max(this.rtt.max, triptime);
    this.rtt.sum += triptime;
    this.rtt.sum2 += triptime * triptime;
    if (!duplicate) this.ewma = this.ewma === 0 ? triptime * 8 : this.ewma + triptime - Math.floor(this.ewma / 8);
    if (this.options.quiet) {
      // nothing
    } else if (this.options.flood) {
      this.print('\b \b');
    } else {
      const bytes = icmp.length;
      let line = `${bytes} bytes from ${formatIpv4(from)}: icmp_seq=${sequence} ttl=${ttl}`;
      if (this.size >= 16) line += ` time=${formatTriptime(triptime)}`;
      if (duplicate) line += ' (DUP!)';
      this.print(`${line}\n`);
    }
    if (this.options.interval === undefined && this.options.flood && this.sendTimer) {
      // An unlimited flood sends the next request as soon as a reply is in.
      this.sendTimer.cancel();
      this.sendTimer = this.ns.scheduler.after(0, () => this.pinger());
    }
    const limit = this.options.stopAfterReplies;
    if (limit !== undefined && this.received >= limit) {
      this.finish();
      return;
    }
    this.checkDone();
  }

  /** acknowledge(): track the largest number of requests in flight ("pipe N"). */
  private acknowledge(sequence: number): void {
    const diff = (this.transmitted - sequence) & 0xffff;
    if (diff <= 0x7fff) {
      if (diff + 1 > this.pipesize) this.pipesize = diff + 1;
      if ((((sequence - this.acked) << 16) >> 16) > 0 || ((this.transmitted - this.acked) & 0xffff) > 0x7fff) this.acked = sequence;
    }
  }

  /** main_loop(): done once every packet is answered or counted as an error. */
  private checkDone(): void {
    const count = this.options.count;
    if (count !== undefined && this.received + this.errors >= count) this.finish();
    else if (this.options.deadline !== undefined && this.errors > 0) this.finish();
  }

  /** finish(): the statistics, then exit 0 if any reply came, else 1 (2 is for errors before sending). */
  private finish(): void {
    if (!this.running) return;
    this.sendTimer?.cancel();
    this.exitTimer?.cancel();
    this.deadlineTimer?.cancel();
    if (this.socket) this.ns.sockets.closeRaw(this.socket);
    const elapsed = this.lastSend - this.startedAt;
    let line = `${this.transmitted} packets transmitted, ${this.received} received`;
    if (this.repeats) line += `, +${this.repeats} duplicates`;
    if (this.errors) line += `, +${this.errors} errors`;
    if (this.transmitted) {
      const loss = ((this.transmitted - this.received) * 100) / this.transmitted;
      line += `, ${formatG(loss)}% packet loss, time ${Math.floor((elapsed + 500 * MICROSECOND) / MILLISECOND)}ms`;
    }
    let out = `\n--- ${this.options.destinationText} ping statistics ---\n${line}\n`;
    let comma = '';
    if (this.received && this.size >= 16) {
      const { count: total, min, max, sum, sum2 } = this.rtt;
      const avg = Math.floor(sum / total);
      const mdev = Math.floor(Math.sqrt(Math.max(0, Math.floor(sum2 / total) - avg * avg)));
      out += `rtt min/avg/max/mdev = ${ms3(min)}/${ms3(avg)}/${ms3(max)}/${ms3(mdev)} ms`;
      comma = ', ';
    }
    if (this.pipesize > 1) {
      out += `${comma}pipe ${this.pipesize}`;
      comma = ', ';
    }
    if (this.received && (this.interval === 0 || this.options.flood) && this.transmitted > 1) {
      const ipg = Math.floor(Math.floor(elapsed / MICROSECOND) / (this.transmitted - 1));
      out += `${comma}ipg/ewma ${Math.floor(ipg / 1000)}.${pad3(ipg % 1000)}/${Math.floor(this.ewma / 8000)}.${pad3(Math.floor(this.ewma / 8) % 1000)} ms`;
    }
    out += '\n';
    this.print(out);
    this.exit(this.received > 0 ? 0 : 1);
  }
}

/** The " time=…" figure of a reply line: three decimals under 1 ms, two under 10 ms, one under 100 ms (iputils). */
export function formatTriptime(us: number): string {
  if (us >= 100000 - 50) return `${Math.floor((us + 500) / 1000)} ms`;
  if (us >= 10000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)} ms`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')} ms`;
  return `${Math.floor(us / 1000)}.${pad3(us % 1000)} ms`;
}

/** pr_icmph(): iputils' words for an ICMP error. */
export function icmpMessage(type: number, code: number, info: number): string {
  switch (type) {
    case 3:
      return (
        [
          'Destination Net Unreachable',
          'Destination Host Unreachable',
          'Destination Protocol Unreachable',
          'Destination Port Unreachable',
          `Frag needed and DF set (mtu = ${info & 0xffff})`,
          'Source Route Failed',
          'Destination Net Unknown',
          'Destination Host Unknown',
          'Source Host Isolated',
          'Destination Net Prohibited',
          'Destination Host Prohibited',
          'Destination Net Unreachable for Type of Service',
          'Destination Host Unreachable for Type of Service',
          'Packet filtered',
          'Precedence Violation',
          'Precedence Cutoff',
        ][code] ?? `Dest Unreachable, Bad Code: ${code}`
      );
    case 4:
      return 'Source Quench';
    case 5: {
      const kind = ['Redirect Network', 'Redirect Host', 'Redirect Type of Service and Network', 'Redirect Type of Service and Host'][code];
      return kind ? `${kind}(New nexthop: ${formatIpv4(info)})` : `Redirect, Bad Code: ${code}`;
    }
    case 11:
      return code === 0 ? 'Time to live exceeded' : code === 1 ? 'Frag reassembly time exceeded' : `Time exceeded, Bad Code: ${code}`;
    case 12:
      return `Parameter problem: pointer = ${info >>> 24}`;
    default:
      return `Bad ICMP type: ${type}`;
  }
}

/** printf("%g"): up to 6 significant digits, no trailing zeros. */
function formatG(value: number): string {
  if (value === 0) return '0';
  const s = value.toPrecision(6);
  return s.includes('e') ? s : s.replace(/\.?0+$/, '');
}

function ms3(us: number): string {
  return `${Math.floor(us / 1000)}.${pad3(us % 1000)}`;
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}

/** struct timeval on x86_64: 8-byte seconds, 8-byte microseconds, little-endian. */
function writeTimeval(buf: Uint8Array, at: number, now: number): void {
  writeUint64le(buf, at, Math.floor(now / SECOND));
  writeUint64le(buf, at + 8, Math.floor((now % SECOND) / MICROSECOND));
}

function readTimeval(icmp: Uint8Array, at: number): number {
  if (icmp.length < at + 16) return 0;
  return readUint64le(icmp, at) * SECOND + readUint64le(icmp, at + 8) * MICROSECOND;
}

/** A little-endian 64-bit field holding a value below 2^53 (no BigInt: this runs for every echo). */
function writeUint64le(buf: Uint8Array, at: number, value: number): void {
  const low = value % 0x1_0000_0000;
  const high = Math.floor(value / 0x1_0000_0000);
  for (let i = 0; i < 4; i++) {
    buf[at + i] = (low >>> (8 * i)) & 0xff;
    buf[at + 4 + i] = (high >>> (8 * i)) & 0xff;
  }
}

function readUint64le(buf: Uint8Array, at: number): number {
  const low = (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
  const high = (buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24)) >>> 0;
  return high * 0x1_0000_0000 + low;
}

function readAddress(bytes: Uint8Array, offset: number): Ipv4Address {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
