/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload) without
 * concatenating in a loop: a frame that lies inside one received chunk is
 * returned as a view of it; a frame spanning chunks is copied once into a
 * buffer of its exact size.
 */
export type FrameEvent = { kind: 'frame'; frame: Buffer } | { kind: 'invalid'; size: number; reason: string };

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, or -1 while reading a size prefix. */
  private need = -1;

  constructor(private readonly maxFrameSize: number) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feeds received bytes; returns the complete frames (and at most one terminal error). */
  push(data: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    this.chunks.push(data);
    this.buffered += data.length;
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const size = this.readSize();
        if (size < 0 || size > this.maxFrameSize) {
          out.push({
            kind: 'invalid',
            size,
            reason: size < 0 ? `invalid frame size ${size}` : `frame size ${size} is larger than socket.request.max.bytes (${this.maxFrameSize})`,
          });
          this.chunks = [];
          this.buffered = 0;
          return out;
        }
        this.need = size;
      }
      if (this.buffered < this.need) break;
      out.push({ kind: 'frame', frame: this.take(this.need) });
      this.need = -1;
    }
    return out;
  }

  private readSize(): number {
    const head = this.chunks[0];
    if (head.length >= 4) {
      const size = head.readInt32BE(0);
      this.consume(4);
      return size;
    }
    const b = this.take(4);
    return b.readInt32BE(0);
  }

  private consume(n: number): void {
    while (n > 0) {
      const head = this.chunks[0];
      if (head.length <= n) {
        this.chunks.shift();
        n -= head.length;
        this.buffered -= head.length;
      } else {
        this.chunks[0] = head.subarray(n);
        this.buffered -= n;
        n = 0;
      }
    }
  }

  private take(n: number): Buffer {
    const head = this.chunks[0];
    if (head.length >= n) {
      const view = head.subarray(0, n);
      this.consume(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      this.consume(k);
    }
    return out;
  }
}
