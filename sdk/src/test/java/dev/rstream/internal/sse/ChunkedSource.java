package dev.rstream.internal.sse;

import java.util.ArrayDeque;
import java.util.List;
import okio.Buffer;
import okio.ByteString;
import okio.Source;
import okio.Timeout;

/**
 * Delivers scripted chunks, and splits them further so that no read returns more than {@code
 * maxBytesPerRead}: every chunk boundary a network could produce can be forced.
 */
final class ChunkedSource implements Source {
  private final ArrayDeque<Buffer> chunks = new ArrayDeque<>();
  private final int maxBytesPerRead;
  int reads;

  ChunkedSource(List<ByteString> chunks, int maxBytesPerRead) {
    for (ByteString chunk : chunks) this.chunks.add(new Buffer().write(chunk));
    this.maxBytesPerRead = maxBytesPerRead;
  }

  @Override
  public long read(Buffer sink, long byteCount) {
    Buffer chunk = chunks.peek();
    while (chunk != null && chunk.size() == 0) {
      chunks.remove();
      chunk = chunks.peek();
    }
    if (chunk == null) return -1L;
    long n = Math.min(Math.min(byteCount, maxBytesPerRead), chunk.size());
    sink.write(chunk, n);
    reads++;
    return n;
  }

  @Override
  public Timeout timeout() {
    return Timeout.NONE;
  }

  @Override
  public void close() {}
}
