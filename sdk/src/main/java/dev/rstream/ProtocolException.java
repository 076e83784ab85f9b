package dev.rstream;

import dev.rstream.durable.ReadBatch;
import org.jspecify.annotations.Nullable;

/**
 * The server broke the Durable Streams protocol: malformed JSON in a body or control event
 * (including a body that stops inside its JSON although its HTTP framing says it is complete), an
 * SSE response with the wrong content type, a missing {@code Stream-Next-Offset}, an offset going
 * backwards. Nothing from the malformed point on is delivered (messages of the same response
 * already delivered as {@linkplain ReadBatch#partial() partial} batches stay delivered). Not
 * retried: it is a server (or proxy) bug; or, as a {@link NotAStateStreamException}, a stream that
 * holds something other than State Protocol state.
 */
public class ProtocolException extends RStreamException {
  private static final long serialVersionUID = 1L;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public ProtocolException(
      String message, String url, @Nullable Offset offset, int status, @Nullable Throwable cause) {
    super(message, url, offset, status, cause);
  }
}
