package dev.rstream.internal.sse;

import java.util.ArrayList;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Records every callback as a line of text, in order, so a test compares one list; into a
 * collection of the test's own (a queue, for a reader on another thread) if given one.
 */
final class RecordingListener implements ServerSentEventListener {
  final Collection<String> records;

  RecordingListener() {
    this(new ArrayList<>());
  }

  RecordingListener(Collection<String> records) {
    this.records = records;
  }

  @Override
  public void onEvent(String type, String data, @Nullable String lastEventId) {
    records.add("event type=" + type + " data=" + data + " id=" + lastEventId);
  }

  @Override
  public void onRetry(long millis) {
    records.add("retry " + millis);
  }

  @Override
  public void onComment(String comment) {
    records.add("comment " + comment);
  }
}
