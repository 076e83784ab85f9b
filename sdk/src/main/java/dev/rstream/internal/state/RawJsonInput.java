package dev.rstream.internal.state;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A response body stream that keeps the bytes it has read since the start of the message being
 * decoded, so that {@link StateMessageDecoder} can take a value's JSON text as sent (one copy of
 * its bytes) instead of decoding every string in it and writing it back token by token.
 *
 * <p>Jackson's streaming parser gives the byte offsets of each token in the stream but keeps no
 * bytes it has moved past; this keeps them. The decoder calls {@link #release} at the start of each
 * message, so memory holds one message plus the parser's read-ahead, never the body.
 *
 * <p>Not thread-safe: one parser reads it, on one thread.
 */
public final class RawJsonInput extends InputStream {
  private final InputStream in;
  private byte[] kept = new byte[16 * 1024];
  private int keptLength;

  /** The stream offset of {@code kept[0]}. */
  private long keptStart;

  public RawJsonInput(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      ensure(1);
      kept[keptLength++] = (byte) b;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      ensure(n);
      System.arraycopy(b, off, kept, keptLength, n);
      keptLength += n;
    }
    return n;
  }

  @Override
  public int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private void ensure(int more) {
    if (keptLength + more > kept.length) {
      kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLength + more));
    }
  }

  /** Forgets the bytes before stream offset {@code before}: nothing will ask for them again. */
  void release(long before) {
    long drop = before - keptStart;
    // Moving the rest down costs a copy: do it only once it frees at least half the buffer.
    if (drop <= 0 || drop < kept.length / 2 || drop > keptLength) return;
    int n = (int) drop;
    System.arraycopy(kept, n, kept, 0, keptLength - n);
    keptLength -= n;
    keptStart = before;
  }

  /** Whether the bytes at stream offsets {@code [start, end)} are held. */
  boolean holds(long start, long end) {
    return start >= keptStart && start <= end && end <= keptStart + keptLength;
  }

  /** The buffer holding the kept bytes; valid until the next read. */
  byte[] buffer() {
    return kept;
  }

  /** The index in {@link #buffer()} of the byte at stream offset {@code offset}. */
  int index(long offset) {
    return (int) (offset - keptStart);
  }
}
