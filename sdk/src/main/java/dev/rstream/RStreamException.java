package dev.rstream;

import org.jspecify.annotations.Nullable;

/**
 * The base of every failure the SDK reports about a stream. Subclasses say what the caller should
 * do; every instance names the stream URL and, where they apply, the offset and the HTTP status.
 *
 * <ul>
 *   <li>{@link TransientException}: the network or the server failed and the retry policy gave up;
 *       trying again later may work.
 *   <li>{@link OffsetGoneException}: the data at the offset is gone (retention); rebuild from a
 *       newer offset.
 *   <li>{@link ProtocolException}: the server sent something the protocol does not allow; a server
 *       bug, retrying will not help. Its {@link NotAStateStreamException} says the stream holds
 *       something other than State Protocol state: fix the URL or the writer.
 *   <li>{@link OutOfRangeException} (and its {@link NoTimestampsException}): the stream holds no
 *       state for the time asked for; ask for a later one.
 *   <li>{@link StreamNotFoundException}, {@link ConflictException} (and its {@link
 *       StreamClosedException}, {@link SequenceConflictException}, {@link
 *       SequenceRegressionException}), {@link ProducerFencedException}: the stream is not in the
 *       state the request assumed.
 *   <li>{@link AuthenticationException}: the server refused the credentials (401) even with a fresh
 *       token from the {@link TokenSupplier}, or the supplier failed; sign in again.
 *   <li>{@link UnexpectedStatusException}: any other refusal (400, 413, ...), usually a bug in the
 *       caller.
 * </ul>
 *
 * <p>When the server explained a refusal in its response body, the message holds that explanation
 * whole (up to 4096 characters) and {@link #serverCode()} its error code, if it sent one.
 *
 * <p>Bad arguments to this API throw {@link IllegalArgumentException} immediately instead.
 */
public class RStreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String url;
  private final @Nullable Offset offset;
  private final int status;
  private final @Nullable String serverCode;

  /**
   * @param message what went wrong, without the URL/offset/status (they are appended).
   * @param status the HTTP status, or 0 when no response was received.
   */
  protected RStreamException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    this(message, url, offset, status, null, cause);
  }

  /**
   * @param message what went wrong, without the URL/offset/status (they are appended).
   * @param status the HTTP status, or 0 when no response was received.
   * @param serverCode the error code in the server's response body, or null when it sent none.
   */
  protected RStreamException(
      String message,
      String url,
      @Nullable Offset offset,
      int status,
      @Nullable String serverCode,
      @Nullable Throwable cause) {
    super(format(message, url, offset, status), cause);
    this.url = url;
    this.offset = offset;
    this.status = status;
    this.serverCode = serverCode;
  }

  private static String format(String message, String url, @Nullable Offset offset, int status) {
    StringBuilder result = new StringBuilder(message).append(" (").append(url);
    if (offset != null) result.append(", offset ").append(offset.value());
    if (status != 0) result.append(", HTTP ").append(status);
    return result.append(')').toString();
  }

  /** The URL of the stream, without query parameters. */
  public final String url() {
    return url;
  }

  /** The offset the failed request was about (read position), or null when none applies. */
  public final @Nullable Offset offset() {
    return offset;
  }

  /** The HTTP status of the response that failed, or 0 when there was none (network failure). */
  public final int status() {
    return status;
  }

  /**
   * The machine-readable error code the server put in its response body ({@code
   * {"error":{"code":"stream_not_found",..}}}), or null when it sent none (a plain-text body, no
   * body, no response). The server's message is part of {@link #getMessage()}.
   */
  public final @Nullable String serverCode() {
    return serverCode;
  }
}
