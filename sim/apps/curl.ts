import { MILLISECOND, SECOND, type Timer } from '../../core/clock.ts';
import { formatIpv4 } from '../../core/ipv4.ts';
import type { Curl } from '../../core/scenario/commands.ts';
import { buildRequest, parseResponse } from '../../core/wire/http.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Errno } from '../../l3/socket.ts';
import { TcpSocket } from '../../l3/tcp-socket.ts';
import { transportOf } from '../../l3/transport.ts';
import { SimProcess } from '../process.ts';
import { APP_STEP } from './nc.ts';

/**
 * twinnet's `curl [-s] [-m S] http://ADDR[:PORT][/PATH]` (core/wire/http.ts has the bytes; kernel-adapter/apps/curl.ts
 * is the same program for the kernel): one GET, the body on stdout, and curl's exit codes and message forms —
 * 7 failed to connect, 28 timed out (-m), 52 empty reply, 56 receive failure, 1 not HTTP — the messages left out
 * under -s.
 */
export class CurlProcess extends SimProcess {
  private socket: TcpSocket | undefined;
  private timer: Timer | undefined;
  private connected = false;
  private readonly chunks: Uint8Array[] = [];
  private received = 0;
  private readonly startedAt: number;

  constructor(
    private readonly ns: NetNamespace,
    private readonly c: Curl,
  ) {
    super(ns.scheduler);
    this.startedAt = ns.now;
  }

  private get host(): string {
    return formatIpv4(this.c.address);
  }

  start(): void {
    const socket = new TcpSocket(transportOf(this.ns).tcp);
    this.socket = socket;
    socket.onConnect = () => this.ns.scheduler.after(APP_STEP, () => this.send());
    socket.onError = (errno) => this.ns.scheduler.after(APP_STEP, () => this.failed(errno));
    socket.onReadable = () => this.ns.scheduler.after(APP_STEP, () => this.receive());
    if (this.c.maxTime !== undefined) this.timer = this.ns.scheduler.after(Math.round(this.c.maxTime * SECOND), () => this.timedOut());
    const error = socket.connect(this.c.address, this.c.port);
    if (error) this.failed(error);
  }

  interrupt(): void {
    this.end(130);
  }

  private end(status: number, message?: string): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.socket?.close();
    if (message !== undefined && !this.c.silent) this.printError(`curl: ${message}\n`);
    this.exit(status);
  }

  private send(): void {
    if (!this.running || !this.socket) return;
    this.connected = true;
    this.socket.write(buildRequest(this.host, this.c.port, this.c.path));
  }

  private receive(): void {
    const socket = this.socket;
    if (!this.running || !socket) return;
    const data = socket.read();
    if (data.length > 0) {
      this.chunks.push(data);
      this.received += data.length;
    }
    if (socket.eof) this.finish();
  }

  private finish(): void {
    const bytes = new Uint8Array(this.received);
    let at = 0;
    for (const c of this.chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const response = parseResponse(bytes);
    if (response.kind === 'empty') return this.end(52, '(52) Empty reply from server');
    if (response.kind === 'not http') return this.end(1, '(1) Received HTTP/0.9 when not allowed');
    this.print(new TextDecoder().decode(response.body));
    this.end(0);
  }

  private failed(errno: Errno): void {
    if (!this.running) return;
    if (!this.connected && errno !== 'Connection reset by peer') return this.end(7, `(7) Failed to connect to ${this.host} port ${this.c.port}: ${errno}`);
    if (errno === 'Connection reset by peer' || errno === 'Broken pipe') return this.end(56, '(56) Recv failure: Connection reset by peer');
    this.end(56, `(56) Recv failure: ${errno}`);
  }

  /** -m: curl's two timeout messages, with the limit in milliseconds (curl prints its measured time). */
  private timedOut(): void {
    const ms = Math.round((this.ns.now - this.startedAt) / MILLISECOND);
    if (!this.connected) return this.end(28, `(28) Connection timed out after ${ms} milliseconds`);
    this.end(28, `(28) Operation timed out after ${ms} milliseconds with ${this.received} bytes received`);
  }
}
