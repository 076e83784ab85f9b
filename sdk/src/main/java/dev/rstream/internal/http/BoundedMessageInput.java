package dev.rstream.internal.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A response body stream that bounds how much one message may make the parser read: {@link
 * #startMessage()} allows {@code maxMessageBytes} more bytes (plus the parser's read-ahead) from
 * the bytes read so far, and a read past that throws {@link MessageTooLargeException}. So a message
 * of at most {@code maxMessageBytes} always fits, and a bigger one fails before a decoder that
 * keeps the whole message can exhaust the heap.
 *
 * <p>Not thread-safe: one parser reads it, on one thread.
 */
final class BoundedMessageInput extends FilterInputStream {
  /** More than the read-ahead of Jackson's parsers (8,000 bytes), so bounds stay exact enough. */
  static final long READ_AHEAD_SLACK = 64L << 10;

  private final long maxMessageBytes;
  private long read;
  private long limit;

  BoundedMessageInput(InputStream in, long maxMessageBytes) {
    super(in);
    this.maxMessageBytes = maxMessageBytes;
    startMessage();
  }

  /** A message starts: it may read up to the bound from here. */
  void startMessage() {
    limit = read + maxMessageBytes + READ_AHEAD_SLACK;
  }

  long maxMessageBytes() {
    return maxMessageBytes;
  }

  @Override
  public int read() throws IOException {
    check(1);
    int b = super.read();
    if (b >= 0) read++;
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) return 0;
    int allowed = (int) Math.min(len, limit - read);
    check(allowed);
    int n = super.read(b, off, allowed);
    if (n > 0) read += n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    check(1);
    long skipped = super.skip(Math.min(n, limit - read));
    read += skipped;
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void check(long wanted) throws MessageTooLargeException {
    if (wanted <= 0 || read >= limit) {
      throw new MessageTooLargeException(
          "a message of the body is larger than " + maxMessageBytes + " bytes");
    }
  }

  /** One message exceeded the bound: the server's error, not a network fault to retry. */
  static final class MessageTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    MessageTooLargeException(String message) {
      super(message);
    }
  }
}
