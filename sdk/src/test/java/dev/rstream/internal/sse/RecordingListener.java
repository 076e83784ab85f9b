package dev.rstream.internal.sse;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Records every callback as a line of text, in order, so a test compares one list. */
final class RecordingListener implements ServerSentEventListener {
  final List<String> records = new ArrayList<>();

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
