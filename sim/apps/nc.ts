import { MICROSECOND, SECOND, type Timer } from '../../core/clock.ts';
import { formatIpv4, type Ipv4Address } from '../../core/ipv4.ts';
import type { Netcat } from '../../core/scenario/commands.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Errno } from '../../l3/socket.ts';
import type { TcpListener } from '../../l3/tcp-listen.ts';
import { TcpSocket } from '../../l3/tcp-socket.ts';
import { transportOf } from '../../l3/transport.ts';
import { UdpSocket, type UdpMessage } from '../../l3/udp.ts';
import { SimProcess } from '../process.ts';
import { TcpEndpoint, UdpEndpoint, type Endpoint } from './endpoint.ts';
import { serviceName } from './services.ts';

/**
 * The virtual time one turn of a program's poll loop takes (poll, read, write): long enough that the answer to a
 * packet it just sent over a few veth hops is in before its next system call, as the kernel's softirq processing
 * (which runs before the syscall returns) has it on a real machine.
 */
export const APP_STEP = 100 * MICROSECOND;
/** The virtual time of one system call that sends (write(2) to a socket). */
export const SYSCALL_TIME = 50 * MICROSECOND;
/** netcat's BUFSIZE: each buffer, and the most one read takes. */
const BUFSIZE = 16384;
/** UDP_SCAN_TIMEOUT: seconds udptest() waits without -w. */
const UDP_SCAN_TIMEOUT = 3;
/**
 * What getnameinfo(3) says inside a namespace that cannot reach a resolver, as netcat's -v reports of addresses
 * show without -n (measured: fixtures/transport/nc/tcp-v.json). The simulator never asks DNS.
 */
const NO_RESOLVER = 'nc: getnameinfo: Temporary failure in name resolution\n';

/**
 * netcat-openbsd 1.219 (Debian) on the simulator: connect or listen (TCP or UDP), then netcat.c's readwrite()
 * poll loop between stdin, the socket and stdout, with its messages and exit statuses (fixtures/transport/nc/).
 * stdin is the text a pipe or here-string gives (all there at once, then end of file), or nothing at all.
 */
export class NetcatProcess extends SimProcess {
  private endpoint: Endpoint | undefined;
  private listener: TcpListener | undefined;
  private pendingUdp: UdpSocket | undefined;
  private readonly stdinData: Uint8Array;
  private stdinPos = 0;
  private readonly decoder = new TextDecoder();
  /* readwrite()'s pollfd state. */
  private stdinOpen = true;
  private netoutOpen = true;
  private netinOpen = true;
  private stdoutOpen = true;
  private stdinEvents = true;
  private netoutEvents = false;
  private netinEvents = true;
  private stdinBuf: Uint8Array = new Uint8Array(0);
  private netinBuf: Uint8Array = new Uint8Array(0);
  private readonly Nflag: boolean;
  private readonly qflag: number;
  private iteration: Timer | undefined;
  private pollTimeout: Timer | undefined;
  private connectTimer: Timer | undefined;
  private quitTimer: Timer | undefined;
  private inReadwrite = false;
  private delayExit = false;

  constructor(
    private readonly ns: NetNamespace,
    private readonly c: Netcat,
    stdin: string | undefined,
  ) {
    super(ns.scheduler);
    this.stdinData = new TextEncoder().encode(stdin ?? '');
    this.qflag = c.quitAfterEof ?? -1;
    this.Nflag = c.shutdownOnEof || this.qflag >= 0;
  }

  private get proto(): 'tcp' | 'udp' {
    return this.c.udp ? 'udp' : 'tcp';
  }

  start(): void {
    if (this.c.listen) this.startListen();
    else this.startConnect();
  }

  /** SIGINT/SIGTERM: the process dies; the kernel closes its sockets. */
  interrupt(): void {
    this.closeAll();
    this.exit(130);
  }

  private closeAll(): void {
    for (const t of [this.iteration, this.pollTimeout, this.connectTimer, this.quitTimer]) t?.cancel();
    this.endpoint?.close();
    this.listener?.close();
    this.pendingUdp?.close();
    this.endpoint = undefined;
    this.listener = undefined;
    this.pendingUdp = undefined;
  }

  private finish(status: number): void {
    this.closeAll();
    this.exit(status);
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Listening: local_listen(), then accept4() or recvfrom(MSG_PEEK) + connect()                                */

  private startListen(): void {
    const port = this.c.port ?? this.c.sourcePort!;
    const address = this.c.host ?? 0;
    const transport = transportOf(this.ns);
    if (this.c.udp) {
      const socket = new UdpSocket(transport.udp);
      socket.reuse = true;
      const error = socket.bind(address, port);
      if (error) return this.fatal(`nc: ${error}`);
      this.pendingUdp = socket;
      if (this.c.verbose) this.reportSock('Bound', address, port);
      const first: UdpMessage[] = [];
      socket.onMessage = (m) => {
        if (first.length > 0) {
          first.push(m);
          return;
        }
        first.push(m);
        this.ns.scheduler.after(APP_STEP, () => this.udpAccepted(socket, first));
      };
      return;
    }
    const listener = transport.tcp.listen(address, port, 1, { reuseAddr: true, reusePort: true });
    if (typeof listener === 'string') return this.fatal(`nc: ${listener}`);
    this.listener = listener;
    if (this.c.verbose) this.reportSock('Listening', address, port);
    listener.onAcceptable = () => {
      if (this.endpoint || !this.running) return;
      const child = listener.accept();
      if (!child) return;
      this.ns.scheduler.after(APP_STEP, () => {
        if (this.c.verbose) this.reportSock('Connection received', child.remoteAddress, child.remotePort);
        this.readwrite(new TcpEndpoint(child, () => this.wake()));
      });
    };
  }

  /** The first datagram's sender becomes the peer (connect()); readwrite() reads the datagram itself. */
  private udpAccepted(socket: UdpSocket, first: UdpMessage[]): void {
    if (!this.running) return;
    const peer = first[0]!;
    const error = socket.connect(peer.source, peer.sourcePort);
    if (error) return this.fatal(`nc: connect: ${error}`);
    this.pendingUdp = undefined;
    if (this.c.verbose) this.reportSock('Connection received', peer.source, peer.sourcePort);
    this.readwrite(new UdpEndpoint(socket, () => this.wake(), first));
  }

  /** report_sock(): `MSG on ADDR PORT`, or getnameinfo's failure without -n. */
  private reportSock(message: string, address: Ipv4Address, port: number): void {
    if (!this.c.numeric) this.printError(NO_RESOLVER);
    else this.printError(`${message} on ${formatIpv4(address)} ${port}\n`);
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* Connecting: remote_connect(), connect_with_timeout(), udptest(), connection_info()                         */

  private startConnect(): void {
    const host = this.c.host!;
    const port = this.c.port!;
    const transport = transportOf(this.ns);
    const socket = this.c.udp ? new UdpSocket(transport.udp) : new TcpSocket(transport.tcp);
    if (this.c.sourceAddress !== undefined || this.c.sourcePort !== undefined) {
      const error = socket.bind(this.c.sourceAddress ?? 0, this.c.sourcePort ?? 0);
      if (error) {
        socket.close();
        return this.fatal(`nc: bind failed: ${error}`);
      }
    }
    if (socket instanceof UdpSocket) {
      const error = socket.connect(host, port);
      if (error) return this.connectFailed(socket, error, false);
      this.connected(new UdpEndpoint(socket, () => this.wake()));
      return;
    }
    socket.onConnect = () => {
      this.connectTimer?.cancel();
      this.ns.scheduler.after(APP_STEP, () => this.connected(new TcpEndpoint(socket, () => this.wake())));
    };
    socket.onError = (errno) => {
      this.connectTimer?.cancel();
      this.ns.scheduler.after(APP_STEP, () => this.connectFailed(socket, errno, false));
    };
    const error = socket.connect(host, port);
    if (error) return this.connectFailed(socket, error, false);
    if (this.c.timeout !== undefined && this.c.timeout > 0) {
      this.connectTimer = this.ns.scheduler.after(this.c.timeout * SECOND, () => this.connectFailed(socket, 'Operation now in progress', true));
    }
  }

  /** remote_connect()'s warning under -v, then exit 1 (the only port failed). */
  private connectFailed(socket: TcpSocket | UdpSocket, errno: Errno, timedOut: boolean): void {
    if (!this.running) return;
    if (socket instanceof TcpSocket) socket.onConnect = undefined;
    socket.onError = undefined;
    socket.close();
    if (this.c.verbose) this.printError(`nc: connect to ${formatIpv4(this.c.host!)} port ${this.c.port} (${this.proto}) ${timedOut ? 'timed out' : 'failed'}: ${errno}\n`);
    this.exit(1);
  }

  /** After connect(): -v/-z report (UDP: udptest() first), then readwrite() unless -z. */
  private connected(endpoint: Endpoint): void {
    if (!this.running) return;
    if (!(this.c.verbose || this.c.zeroIo)) {
      this.readwrite(endpoint);
      return;
    }
    if (endpoint instanceof UdpEndpoint) {
      this.endpoint = endpoint;
      this.udptest(endpoint, 0);
      return;
    }
    this.connectionInfo();
    if (this.c.zeroIo) {
      endpoint.close();
      this.exit(0);
      return;
    }
    this.readwrite(endpoint);
  }

  /**
   * udptest(): two writes of "X" (the second fails if an ICMP error came back), then one more each second for -w
   * seconds (3 without -w); a refusal makes the connection fail silently with status 1.
   */
  private udptest(endpoint: UdpEndpoint, step: number): void {
    if (!this.running) return;
    const t = this.c.timeout === undefined ? UDP_SCAN_TIMEOUT : this.c.timeout;
    const x = new TextEncoder().encode('X');
    const r = endpoint.write(x);
    const refused = typeof r === 'string';
    if (step === 0 && refused) return this.udpFailed(endpoint);
    if (step > 0 && r === 'Connection refused') return this.udpFailed(endpoint);
    if (step === 0) {
      this.ns.scheduler.after(APP_STEP, () => this.udptest(endpoint, 1));
      return;
    }
    if (step <= t) {
      this.ns.scheduler.after(SECOND, () => this.udptest(endpoint, step + 1));
      return;
    }
    this.connectionInfo();
    if (this.c.zeroIo) {
      endpoint.close();
      this.endpoint = undefined;
      this.exit(0);
      return;
    }
    this.readwrite(endpoint);
  }

  private udpFailed(endpoint: Endpoint): void {
    endpoint.close();
    this.endpoint = undefined;
    this.exit(1);
  }

  /** connection_info(): `Connection to HOST PORT port [PROTO/SERVICE] succeeded!`, under -v only (measured: -z alone is silent). */
  private connectionInfo(): void {
    if (!this.c.verbose) return;
    const service = this.c.numeric ? undefined : serviceName(this.c.port!, this.proto);
    this.printError(`Connection to ${formatIpv4(this.c.host!)} ${this.c.port} port [${this.proto}/${service ?? '*'}] succeeded!\n`);
  }

  private fatal(message: string): void {
    this.printError(`${message}\n`);
    this.finish(1);
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* readwrite()                                                                                                 */

  private readwrite(endpoint: Endpoint): void {
    if (!this.running) return;
    this.endpoint = endpoint;
    this.inReadwrite = true;
    this.iterate();
  }

  /** Something may have become ready: the loop takes another turn after a step. */
  private wake(): void {
    if (!this.inReadwrite || this.iteration || !this.running) return;
    this.iteration = this.ns.scheduler.after(APP_STEP, () => {
      this.iteration = undefined;
      this.iterate();
    });
  }

  /** readwrite()'s end: the connection closes, and the program with it (for a listener: its socket too). */
  private readwriteDone(): void {
    this.inReadwrite = false;
    this.finish(0);
  }

  /** One turn of readwrite()'s loop. */
  private iterate(): void {
    if (!this.running || !this.inReadwrite) return;
    const endpoint = this.endpoint!;
    const bufsEmpty = this.stdinBuf.length === 0 && this.netinBuf.length === 0;
    if ((!this.stdinOpen && !this.netinOpen && bufsEmpty) || (!this.netoutOpen && !this.stdoutOpen) || (this.c.listen && !this.netinOpen && bufsEmpty)) {
      if (this.qflag <= 0) return this.readwriteDone();
      return this.startDelayExit();
    }
    // poll()
    const net = endpoint.poll();
    const stdinReady = this.stdinOpen && this.stdinEvents;
    const netoutRev = this.netoutOpen ? { out: this.netoutEvents && net.out, hup: net.hup, err: net.err } : undefined;
    const netinRev = this.netinOpen ? { in: this.netinEvents && net.in, hup: net.hup, err: net.err } : undefined;
    const stdoutReady = this.stdoutOpen && this.netinBuf.length > 0;
    const anything = stdinReady || stdoutReady || (netoutRev && (netoutRev.out || netoutRev.hup || netoutRev.err)) || (netinRev && (netinRev.in || netinRev.hup || netinRev.err));
    if (!anything) {
      this.armPollTimeout();
      return;
    }
    this.pollTimeout?.cancel();
    this.pollTimeout = undefined;
    // Socket error conditions.
    if (netoutRev?.err) this.netoutOpen = false;
    if (netinRev?.err) this.netinOpen = false;
    if (netinRev && this.netinOpen && this.netinEvents && netinRev.hup && !netinRev.in) this.netinOpen = false;
    if (netoutRev && this.netoutOpen && netoutRev.hup) {
      if (this.Nflag) endpoint.shutdown('write');
      this.netoutOpen = false;
    }
    if (!this.netoutOpen) this.stdinOpen = false;
    // Read from stdin.
    if (stdinReady && this.stdinOpen && this.stdinBuf.length < BUFSIZE) {
      const take = Math.min(BUFSIZE - this.stdinBuf.length, this.stdinData.length - this.stdinPos);
      if (take === 0) {
        this.stdinOpen = false;
      } else {
        this.stdinBuf = concat(this.stdinBuf, this.stdinData.subarray(this.stdinPos, this.stdinPos + take));
        this.stdinPos += take;
      }
      if (this.stdinBuf.length > 0) this.netoutEvents = true;
      if (this.stdinBuf.length === BUFSIZE) this.stdinEvents = false;
    }
    // Write to the network.
    let wrote = false;
    if (netoutRev?.out && this.netoutOpen && this.stdinBuf.length > 0) {
      const r = endpoint.write(this.stdinBuf);
      if (typeof r === 'string') this.netoutOpen = false;
      else this.stdinBuf = this.stdinBuf.subarray(r);
      if (this.stdinBuf.length === 0) this.netoutEvents = false;
      if (this.stdinBuf.length < BUFSIZE) this.stdinEvents = true;
      wrote = true;
    }
    // A write to the network takes a syscall's time, in which the kernel already handles what it sent and what
    // comes straight back (the peer's ACK over a veth): the rest of the turn comes after that.
    if (wrote) this.iteration = this.ns.scheduler.after(SYSCALL_TIME, () => {
      this.iteration = undefined;
      this.iterateRest(endpoint, netinRev);
    });
    else this.iterateRest(endpoint, netinRev);
  }

  /** The second half of a turn: read from the network, write to stdout, react to the end of stdin. */
  private iterateRest(endpoint: Endpoint, netinRev: { in: boolean } | undefined): void {
    if (!this.running || !this.inReadwrite) return;
    // Read from the network.
    if (netinRev?.in && this.netinOpen && this.netinBuf.length < BUFSIZE) {
      const r = endpoint.read(BUFSIZE - this.netinBuf.length);
      if (r === 0) {
        endpoint.shutdown('read');
        this.netinOpen = false;
      } else if (typeof r === 'string') {
        if (r !== 'Resource temporarily unavailable') this.netinOpen = false;
      } else {
        this.netinBuf = concat(this.netinBuf, r);
      }
      if (this.netinBuf.length === BUFSIZE) this.netinEvents = false;
    }
    // Write to stdout (always writable).
    if (this.stdoutOpen && this.netinBuf.length > 0) {
      this.print(this.decoder.decode(this.netinBuf, { stream: true }));
      this.netinBuf = new Uint8Array(0);
      this.netinEvents = true;
    }
    // stdin gone and its buffer empty.
    if (!this.stdinOpen && this.stdinBuf.length === 0) {
      if (this.netoutOpen && this.Nflag) endpoint.shutdown('write');
      this.netoutOpen = false;
      if ((this.c.listen || this.c.udp) && this.netinOpen && this.qflag >= 0 && this.netinBuf.length === 0) {
        endpoint.shutdown('read');
        this.netinOpen = false;
      }
    }
    if (!this.netinOpen && this.netinBuf.length === 0) this.stdoutOpen = false;
    this.wakeNow();
  }

  /** The loop goes round again at once (poll would return straight away or block: the next turn decides). */
  private wakeNow(): void {
    if (this.iteration) return;
    this.iteration = this.ns.scheduler.after(APP_STEP, () => {
      this.iteration = undefined;
      this.iterate();
    });
  }

  /** poll(…, timeout): with -w, nothing happening for that long ends readwrite(). */
  private armPollTimeout(): void {
    if (this.c.timeout === undefined || this.pollTimeout) return;
    this.pollTimeout = this.ns.scheduler.after(this.c.timeout * SECOND, () => {
      this.pollTimeout = undefined;
      if (this.inReadwrite) this.readwriteDone();
    });
  }

  /** delay_exit: the socket closes and SIGALRM ends the program (status 0) after -q seconds. */
  private startDelayExit(): void {
    if (this.delayExit) return;
    this.delayExit = true;
    this.inReadwrite = false;
    this.endpoint?.close();
    this.endpoint = undefined;
    this.quitTimer = this.ns.scheduler.after(this.qflag * SECOND, () => this.finish(0));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
