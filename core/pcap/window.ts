/**
 * The part of a capture file the decoders can see: `buf[pos, end)` holds the file's bytes from offset
 * `base + pos`. Decoders consume by moving `pos` (past `end` to skip bytes not yet read) and, when they need more
 * than is there, set `needed` (bytes wanted from `pos`) and return NEED_MORE; a driver then calls `prepare` and
 * reads. A refill always moves into a fresh buffer, so views handed out earlier stay valid.
 */
export class ByteWindow {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  end: number;
  /** File offset of `buf[0]`. */
  base = 0;
  /** True when no bytes exist past `end` (the file or stream has ended). */
  eof: boolean;
  /** Bytes wanted from `pos` when a decoder returned NEED_MORE. */
  needed = 0;

  constructor(
    bytes: Uint8Array,
    eof: boolean,
    /** The file's length when known (a regular file or bytes in memory), else Infinity. */
    readonly size: number,
    private readonly chunkSize: number,
  ) {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = eof ? bytes.length : 0;
    this.eof = eof;
  }

  /** File offset of `pos`. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes available from `pos`. */
  get available(): number {
    return this.end - this.pos;
  }

  /**
   * Moves the unread tail into a fresh buffer with room for at least `needed` bytes from `pos`, and returns how
   * many bytes the driver must read and discard first (when `pos` was moved past `end`). The buffer is a chunk,
   * or less when the file is known to end sooner; `needed` was checked against the limits and the file size
   * before it was asked for.
   */
  prepare(): number {
    const skip = Math.max(0, this.pos - this.end);
    const tail = Math.max(0, this.end - this.pos);
    const fileAt = this.base + this.end + skip;
    const left = this.size === Infinity ? this.chunkSize : Math.max(0, this.size - fileAt);
    const length = Math.max(this.needed, Math.min(this.chunkSize, tail + left));
    const buf = new Uint8Array(length);
    if (tail > 0) buf.set(this.buf.subarray(this.pos, this.end));
    this.base += this.pos;
    this.buf = buf;
    this.view = new DataView(buf.buffer, 0, length);
    this.pos = 0;
    this.end = tail;
    if (fileAt >= this.size) this.eof = true;
    return skip;
  }

  /** Records that a read placed `n` bytes at `end`; 0 means the file has ended. */
  received(n: number): void {
    if (n === 0) this.eof = true;
    this.end += n;
    if (this.base + this.end >= this.size) this.eof = true;
  }

  /** Records that discarding skipped bytes hit the end of the file. */
  endedWhileSkipping(): void {
    this.eof = true;
  }

  /** Whether the driver should read more: fewer than `needed` bytes from `pos` and the file has not ended. */
  get wantsMore(): boolean {
    return !this.eof && this.end - this.pos < this.needed;
  }
}
