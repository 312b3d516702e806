import type { Errno } from '../../l3/socket.ts';
import type { TcpSocket } from '../../l3/tcp-socket.ts';
import type { UdpMessage, UdpSocket } from '../../l3/udp.ts';

/** poll(2) revents bits a program looks at. */
export interface Revents {
  readonly in: boolean;
  readonly out: boolean;
  readonly hup: boolean;
  readonly err: boolean;
}

/**
 * A connected socket as a program's file descriptor sees it: poll readiness (tcp_poll(), udp_poll()), read(2),
 * write(2) and shutdown(2). `wake` is called whenever readiness may have changed.
 */
export interface Endpoint {
  poll(): Revents;
  /** read(2): bytes, 0 at end of file, or an error (which is consumed, as sock_error() does). */
  read(max: number): Uint8Array | 0 | Errno;
  /** write(2): bytes taken (0 when the buffer is full: EAGAIN), or an error. */
  write(data: Uint8Array): number | Errno;
  shutdown(how: 'read' | 'write'): void;
  close(): void;
}

/** A TCP connection as an endpoint. */
export class TcpEndpoint implements Endpoint {
  private readShutdown = false;
  private writeShutdown = false;

  constructor(
    readonly socket: TcpSocket,
    wake: () => void,
  ) {
    socket.onReadable = wake;
    socket.onWritable = wake;
    socket.onError = wake;
    socket.onConnect = wake;
  }

  private get rcvShutdown(): boolean {
    return this.readShutdown || this.socket.rcv.finReceived || this.socket.state === 'CLOSED';
  }

  /** tcp_poll(). */
  poll(): Revents {
    const s = this.socket;
    const closed = s.state === 'CLOSED';
    const sendShutdown = this.writeShutdown || closed;
    return {
      in: s.readable > 0 || this.rcvShutdown || s.error !== undefined,
      out: sendShutdown || (s.state !== 'SYN_SENT' && s.writeSpace > 0),
      hup: closed || (sendShutdown && this.rcvShutdown),
      err: s.error !== undefined,
    };
  }

  read(max: number): Uint8Array | 0 | Errno {
    const s = this.socket;
    const error = s.takeError();
    if (error) return error;
    if (s.readable > 0) return s.read(max);
    if (this.rcvShutdown) return 0;
    return 'Resource temporarily unavailable';
  }

  write(data: Uint8Array): number | Errno {
    if (this.writeShutdown) return 'Broken pipe';
    const r = this.socket.write(data);
    return r === 'Resource temporarily unavailable' ? 0 : r;
  }

  shutdown(how: 'read' | 'write'): void {
    if (how === 'read') this.readShutdown = true;
    else {
      this.writeShutdown = true;
      this.socket.shutdown();
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** A UDP socket as an endpoint: one datagram per read. */
export class UdpEndpoint implements Endpoint {
  private readonly queue: Uint8Array[] = [];
  private readShutdown = false;
  private writeShutdown = false;

  constructor(
    readonly socket: UdpSocket,
    wake: () => void,
    pending: readonly UdpMessage[] = [],
  ) {
    for (const m of pending) this.queue.push(m.data);
    socket.onMessage = (m) => {
      this.queue.push(m.data);
      wake();
    };
    socket.onError = wake;
  }

  /** udp_poll() → datagram_poll(). */
  poll(): Revents {
    const s = this.socket;
    return {
      in: this.queue.length > 0 || this.readShutdown || s.error !== undefined,
      out: true,
      hup: this.readShutdown && this.writeShutdown,
      err: s.error !== undefined,
    };
  }

  read(max: number): Uint8Array | 0 | Errno {
    const error = this.socket.takeError();
    if (error) return error;
    const first = this.queue.shift();
    if (first) return first.subarray(0, max);
    if (this.readShutdown) return 0;
    return 'Resource temporarily unavailable';
  }

  write(data: Uint8Array): number | Errno {
    if (this.writeShutdown) return 'Broken pipe';
    const error = this.socket.send(data);
    return error ?? data.length;
  }

  shutdown(how: 'read' | 'write'): void {
    if (how === 'read') this.readShutdown = true;
    else this.writeShutdown = true;
  }

  close(): void {
    this.socket.close();
  }
}
