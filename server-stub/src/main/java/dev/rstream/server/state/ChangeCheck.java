package dev.rstream.server.state;

import dev.rstream.server.state.StateMessage.InvalidMessageException;
import dev.rstream.server.storage.StreamMeta;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Checks a client's unit for a state stream before it is stored (docs/PROTOCOL.md 3.1, 3.2): every
 * message a State Protocol change, none a control, timestamps never earlier than the stream's last
 * one; a change without {@code headers.timestamp} is stamped with the receive time.
 *
 * <p>Threading: stateless, safe from any thread.
 */
final class ChangeCheck {

  /** The messages to store (stamped) and their parse, message for message. */
  record Checked(List<byte[]> messages, List<StateMessage> parsed) {}

  private ChangeCheck() {}

  /**
   * Checks {@code messages}, appended to {@code meta}'s stream at {@code now} after a stream whose
   * last timestamp is {@code last} (null: none yet). Returns {@code messages} itself when nothing
   * needed a stamp.
   *
   * @throws AppendRejectedException naming the stream and the offending message; nothing of the
   *     unit may be stored
   */
  static Checked check(StreamMeta meta, List<byte[]> messages, Instant now, @Nullable Instant last)
      throws AppendRejectedException {
    List<StateMessage> parsed = new ArrayList<>(messages.size());
    List<byte[]> out = messages;
    for (int i = 0; i < messages.size(); i++) {
      StateMessage m;
      try {
        m = StateMessage.parse(messages.get(i));
      } catch (InvalidMessageException e) {
        throw rejected(meta, messages, i, e.getMessage());
      }
      // PROTOCOL 3.2: keyframes and their controls are the server's; a client's control or
      // non-change would break every reader's keyframe or state.
      if (m.kind == StateMessage.Kind.CONTROL) {
        throw rejected(
            meta, messages, i, "control messages (headers.control) are written by the server only");
      } else if (m.kind != StateMessage.Kind.CHANGE) {
        throw rejected(
            meta,
            messages,
            i,
            "not a State Protocol change (an object with type, key, headers.operation and, for"
                + " insert and update, value)");
      }
      if (m.timestamp == null) {
        // Receive time, unless the stream is already later (clock skew, or a writer with a
        // simulated clock): the order of timestamps is the invariant, not the wall clock.
        Instant stamp = last == null || !now.isBefore(last) ? now : Rfc3339.ceilMillis(last);
        m = m.withTimestamp(stamp);
        if (out == messages) out = new ArrayList<>(messages);
        out.set(i, m.bytes);
      } else if (last != null && m.timestamp.isBefore(last)) {
        throw rejected(
            meta,
            messages,
            i,
            "headers.timestamp "
                + m.timestampText
                + " is earlier than the stream's last timestamp "
                + Rfc3339.formatExact(last)
                + " (timestamps never decrease)");
      }
      last = m.timestamp;
      parsed.add(m);
    }
    return new Checked(out, parsed);
  }

  private static AppendRejectedException rejected(
      StreamMeta meta, List<byte[]> messages, int index, @Nullable String why) {
    String where =
        messages.size() == 1 ? "" : " message " + (index + 1) + " of " + messages.size() + ":";
    return new AppendRejectedException(
        "Rejected append to state stream "
            + meta.path()
            + ":"
            + where
            + " "
            + why
            + "; nothing appended");
  }
}
