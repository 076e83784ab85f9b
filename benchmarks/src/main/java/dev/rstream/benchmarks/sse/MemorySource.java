package dev.rstream.benchmarks.sse;

import okio.Buffer;
import okio.Source;
import okio.Timeout;

/**
 * An okio {@link Source} over a byte array that returns at most {@code maxBytesPerRead} bytes per
 * read, like a socket that delivers the stream in small packets. It copies each byte once, as a
 * socket read does; {@link MemoryInputStream} is its twin for InputStream-based parsers.
 */
final class MemorySource implements Source {
  private final byte[] bytes;
  private final int maxBytesPerRead;
  private int position;

  MemorySource(byte[] bytes, int maxBytesPerRead) {
    this.bytes = bytes;
    this.maxBytesPerRead = maxBytesPerRead;
  }

  @Override
  public long read(Buffer sink, long byteCount) {
    int remaining = bytes.length - position;
    if (remaining == 0) return -1L;
    int n = (int) Math.min(Math.min(byteCount, maxBytesPerRead), remaining);
    sink.write(bytes, position, n);
    position += n;
    return n;
  }

  @Override
  public Timeout timeout() {
    return Timeout.NONE;
  }

  @Override
  public void close() {}
}
