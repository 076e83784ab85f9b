package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The server refused an append for good, so its changes left the outbox without being applied: the
 * request was malformed or too large (400, 413), the stream is closed (409), or the producer was
 * fenced and claiming a new epoch failed too. {@link #changes()} names the changes of that append,
 * {@link #getCause()} holds the server's refusal. Sending it again will not help: fix the change or
 * the stream, then append anew.
 */
public final class RejectedWriteException extends RStreamException {
  private static final long serialVersionUID = 1L;

  private final List<Change> changes;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public RejectedWriteException(
      String url, List<Change> changes, int status, @Nullable Throwable cause) {
    super(
        "the server refused "
            + requireNonNull(changes, "changes == null").size()
            + " change(s) for good ("
            + describe(changes)
            + ")"
            + (cause != null ? ": " + cause.getMessage() : ""),
        url,
        null,
        status,
        cause);
    this.changes = Collections.unmodifiableList(new ArrayList<>(changes));
  }

  private static String describe(List<Change> changes) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < changes.size() && i < 3; i++) {
      Change c = changes.get(i);
      if (i > 0) s.append(", ");
      s.append(c.operation().wireName()).append(' ').append(c.type()).append('/').append(c.key());
    }
    if (changes.size() > 3) s.append(", ...");
    return s.toString();
  }

  /** The changes of the refused append, in the order they were appended. */
  public List<Change> changes() {
    return changes;
  }
}
