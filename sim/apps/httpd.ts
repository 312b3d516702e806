import { formatIpv4 } from '../../core/ipv4.ts';
import { buildReply, firstLine, logLine, parseRequestHead, type RequestHead } from '../../core/wire/http.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { TcpListener } from '../../l3/tcp-listen.ts';
import type { TcpSocket } from '../../l3/tcp-socket.ts';
import { transportOf } from '../../l3/transport.ts';
import { SimProcess } from '../process.ts';
import { APP_STEP, SYSCALL_TIME } from './nc.ts';

/** Node's default listen backlog (net.Server#listen: 511), under net.core.somaxconn. */
const BACKLOG = 511;

/**
 * twinnet's `httpd PORT` (core/wire/http.ts has the bytes; kernel-adapter/apps/httpd.ts is the same program for the
 * kernel): it listens on every address, answers each connection's request once, closes, and logs a line per
 * request on stdout. It runs until stopped.
 */
export class HttpdProcess extends SimProcess {
  private listener: TcpListener | undefined;
  private readonly connections = new Set<TcpSocket>();

  constructor(
    private readonly ns: NetNamespace,
    private readonly port: number,
  ) {
    super(ns.scheduler);
  }

  start(): void {
    // libuv sets SO_REUSEADDR on a listening TCP socket.
    const listener = transportOf(this.ns).tcp.listen(0, this.port, BACKLOG, { reuseAddr: true });
    if (typeof listener === 'string') {
      this.printError(`httpd: cannot listen on port ${this.port}: ${listener}\n`);
      this.exit(1);
      return;
    }
    this.listener = listener;
    listener.onAcceptable = () => this.ns.scheduler.after(APP_STEP, () => this.acceptAll());
  }

  interrupt(): void {
    this.listener?.close();
    for (const c of this.connections) c.close();
    this.connections.clear();
    this.exit(130);
  }

  private acceptAll(): void {
    if (!this.running || !this.listener) return;
    for (let c = this.listener.accept(); c; c = this.listener.accept()) this.serve(c);
  }

  /** One connection: read until the head is whole (or the peer stops), answer, end our side, close at its end. */
  private serve(socket: TcpSocket): void {
    this.connections.add(socket);
    let received = new Uint8Array(0);
    let answered = false;
    const client = formatIpv4(socket.remoteAddress);
    const answer = (head: RequestHead) => {
      answered = true;
      const reply = buildReply(head, formatIpv4(socket.localAddress), socket.localPort, client);
      socket.write(reply.bytes);
      this.print(logLine(client, head, reply));
      this.ns.scheduler.after(SYSCALL_TIME, () => socket.shutdown());
    };
    const onReadable = () => {
      if (!this.running) return;
      const data = socket.read();
      if (data.length > 0 && !answered) {
        const next = new Uint8Array(received.length + data.length);
        next.set(received);
        next.set(data, received.length);
        received = next;
        const head = parseRequestHead(received);
        if (head.kind !== 'incomplete') answer(head);
      }
      if (socket.eof || socket.state === 'CLOSED') {
        // The peer is done: a request cut short gets 400; then the connection goes (Node destroys it on 'end').
        if (!answered && received.length > 0) answer({ kind: 'bad', text: firstLine(new TextDecoder().decode(received)) });
        socket.close();
        this.connections.delete(socket);
      }
    };
    socket.onReadable = () => this.ns.scheduler.after(APP_STEP, onReadable);
    socket.onError = () => {
      socket.close();
      this.connections.delete(socket);
    };
    if (socket.readable > 0 || socket.eof) socket.onReadable();
  }
}
