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
 *
 * <p>One refusal leaves the outcome open ({@link #mayHaveBeenApplied()}): the producer was fenced
 * (another writer took a newer epoch of its id) after an attempt whose answer was lost, so the
 * server may have applied that attempt. Sending it again under a new epoch could apply it twice, so
 * it is not sent; read the stream to find out.
 */
public final class RejectedWriteException extends RStreamException {
  private static final long serialVersionUID = 1L;

  private final List<Change> changes;
  private final boolean mayHaveBeenApplied;

  /** Creates an instance; the SDK does, applications rarely need to. */
  public RejectedWriteException(
      String url, List<Change> changes, int status, @Nullable Throwable cause) {
    this(url, changes, status, cause, false);
  }

  /**
   * Creates an instance that says whether the server may have applied the changes before (see
   * {@link #mayHaveBeenApplied()}); the SDK does, applications rarely need to.
   */
  public RejectedWriteException(
      String url,
      List<Change> changes,
      int status,
      @Nullable Throwable cause,
      boolean mayHaveBeenApplied) {
    super(
        (mayHaveBeenApplied
                ? "an earlier attempt's answer was lost and the producer was then fenced, so "
                    + "the server may have applied these "
                : "the server refused ")
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
    this.mayHaveBeenApplied = mayHaveBeenApplied;
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

  /**
   * Whether the server may have applied the changes after all: an attempt's answer was lost, then
   * the producer was fenced, so the outcome of that attempt cannot be learnt from the server's
   * producer state. False for a plain refusal, which applied nothing.
   */
  public boolean mayHaveBeenApplied() {
    return mayHaveBeenApplied;
  }

  /** The changes of the refused append, in the order they were appended. */
  public List<Change> changes() {
    return changes;
  }
}
