package dev.rstream.internal.outbox;

import dev.rstream.Change;
import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.subjects.SingleSubject;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One append in an {@link Outbox}: its changes, its entry once kept, and its caller's answer. */
final class PendingAppend {
  final String body;
  final List<Change> changes;
  final OutboxOverlay.Entry overlayEntry;
  final SingleSubject<AppendResult> result = SingleSubject.create();
  // Null until kept; then as the log holds it (a renumbering replaces it).
  volatile @Nullable OutboxEntry entry;
  volatile @Nullable RuntimeException writeFailure;
  // An attempt's answer was lost (or a previous process may have sent it): the server may hold it.
  volatile boolean maybeSent;

  PendingAppend(String body, List<Change> changes, OutboxOverlay.Entry overlayEntry) {
    this.body = body;
    this.changes = changes;
    this.overlayEntry = overlayEntry;
  }

  OutboxEntry committed() {
    OutboxEntry committed = entry;
    if (committed == null) throw new IllegalStateException("not committed yet");
    return committed;
  }
}
