import { createCipheriv, createHmac } from 'node:crypto';

/**
 * A keyed, reproducible random stream (AES-256-CTR keystream, key = HMAC(secret, label)). The same
 * export batch always gets the same shuffle and padding keys, so a re-run after a crash writes the same
 * key set; without the secret the stream is unpredictable.
 */
export class DeterministicRandom {
  private readonly cipher;
  private buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(secret: string, label: string) {
    const key = createHmac('sha256', secret).update(label).digest();
    this.cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }

  bytes(n: number): Buffer {
    this.ensure(n);
    const out = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Uniform integer in [0, max) without modulo bias (max ≤ 2^32). */
  int(max: number): number {
    const limit = Math.floor(0x1_0000_0000 / max) * max;
    for (;;) {
      this.ensure(4);
      const v = this.buffer.readUInt32BE(this.offset);
      this.offset += 4;
      if (v < limit) return v % max;
    }
  }

  /** Makes at least `n` unread bytes of the stream available from `offset`. */
  private ensure(n: number): void {
    if (this.offset + n <= this.buffer.length) return;
    const rest = this.buffer.subarray(this.offset);
    this.buffer = Buffer.concat([rest, this.cipher.update(Buffer.alloc(Math.max(65536, n)))]);
    this.offset = 0;
  }
}
