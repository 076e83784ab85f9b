package dev.rstream.internal.state;

import dev.rstream.Change;
import dev.rstream.Offset;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One State Protocol message as read: exactly one of a change or a control. Immutable. */
public final class StateMessage {
  private final @Nullable Change change;
  private final @Nullable Control control;

  private StateMessage(@Nullable Change change, @Nullable Control control) {
    this.change = change;
    this.control = control;
  }

  public static StateMessage of(Change change) {
    return new StateMessage(change, null);
  }

  public static StateMessage of(Control control) {
    return new StateMessage(null, control);
  }

  public @Nullable Change change() {
    return change;
  }

  public @Nullable Control control() {
    return control;
  }

  public boolean isChange() {
    return change != null;
  }

  /** True if this is a control of {@code kind}. */
  public boolean is(Control.Kind kind) {
    return control != null && control.kind() == kind;
  }

  /** {@code headers.offset} of either kind of message, or null. */
  public @Nullable Offset offset() {
    return change != null ? change.offset() : java.util.Objects.requireNonNull(control).offset();
  }

  /** {@code headers.timestamp} of either kind of message, or null. */
  public @Nullable Instant timestamp() {
    return change != null
        ? change.timestamp()
        : java.util.Objects.requireNonNull(control).timestamp();
  }

  @Override
  public String toString() {
    return String.valueOf(change != null ? change : control);
  }
}
