package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The stream holds something this client cannot read as state: it is not a JSON stream ({@link
 * #contentType()} names what it is), or one of its messages is not a State Protocol change or
 * control ({@link #offset()} is where a read returns it, {@link #message()} which one it is).
 * Reported by the first response that shows it, to every {@code window}, {@code live} and {@code
 * changes} subscriber waiting on that read; nothing of that response is applied.
 *
 * <p>Not retried, and not a server bug: the URL names another kind of stream, or a writer put
 * something else in it. Fix the URL, or what writes to the stream (see {@code docs/PROTOCOL.md}
 * sections 2 and 3.0 for what a state stream holds).
 */
public class NotAStateStreamException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String contentType;
  private final int message;

  /**
   * Creates an instance; the SDK does, applications rarely need to.
   *
   * @param contentType the stream's content type when that is the reason, else null.
   * @param message the offending message's position (1 for the first) among those a read from
   *     {@code offset} returns, or 0 when the content type is the reason.
   */
  public NotAStateStreamException(
      String reason,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String contentType,
      int message,
      @Nullable Throwable cause) {
    super(reason, url, offset, status, cause);
    this.contentType = contentType;
    this.message = message;
  }

  /**
   * The stream's content type when that is the reason (for example {@code text/plain}); null if a
   * message is the reason, or the server named no type.
   */
  public @Nullable String contentType() {
    return contentType;
  }

  /**
   * Which message is not a State Protocol message: 1 for the first a read from {@link #offset()}
   * returns; 0 when the stream is not JSON at all.
   */
  public int message() {
    return message;
  }
}
