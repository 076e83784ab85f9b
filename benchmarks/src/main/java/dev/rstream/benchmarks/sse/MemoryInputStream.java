package dev.rstream.benchmarks.sse;

import java.io.InputStream;

/**
 * An InputStream over a byte array that returns at most {@code maxBytesPerRead} bytes per read,
 * like a socket that delivers the stream in small packets; each byte is copied once, as a socket
 * read copies it.
 *
 * <p>Not {@code ByteArrayInputStream}: its reads are synchronized, a cost sockets do not add.
 */
final class MemoryInputStream extends InputStream {
  private final byte[] bytes;
  private final int maxBytesPerRead;
  private int position;

  MemoryInputStream(byte[] bytes, int maxBytesPerRead) {
    this.bytes = bytes;
    this.maxBytesPerRead = maxBytesPerRead;
  }

  @Override
  public int read() {
    return position == bytes.length ? -1 : bytes[position++] & 0xff;
  }

  @Override
  public int read(byte[] target, int offset, int length) {
    int remaining = bytes.length - position;
    if (remaining == 0) return length == 0 ? 0 : -1;
    int n = Math.min(Math.min(length, maxBytesPerRead), remaining);
    System.arraycopy(bytes, position, target, offset, n);
    position += n;
    return n;
  }
}
