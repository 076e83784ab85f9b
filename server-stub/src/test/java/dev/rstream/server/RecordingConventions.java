package dev.rstream.server;

import dev.rstream.server.state.AppendRejectedException;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.state.UnitAppender;
import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * Plain Durable Streams conventions that record what the HTTP layer tells them, so tests run
 * without the real rstream conventions. A unit containing {@link #REJECT} is refused the way a
 * timestamp regression would be.
 */
final class RecordingConventions implements StreamConventions {
  static final String REJECT = "please-reject-me";

  final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  volatile @Nullable UnitAppender appender;

  @Override
  public String normalisePolicy(String headerValue) {
    if (!headerValue.startsWith("changes=")) {
      throw new IllegalArgumentException("bad policy " + headerValue);
    }
    return headerValue.replace(" ", "");
  }

  @Override
  public List<byte[]> beforeAppend(StreamMeta meta, List<byte[]> messages, long nowMillis)
      throws AppendRejectedException {
    for (byte[] message : messages) {
      if (new String(message, StandardCharsets.UTF_8).contains(REJECT)) {
        events.add("rejected " + meta.path());
        throw new AppendRejectedException("timestamp goes backwards");
      }
    }
    return messages;
  }

  @Override
  public void afterAppend(StreamMeta meta, List<byte[]> storedMessages, long tailPosition) {
    events.add("afterAppend " + meta.path() + " " + storedMessages.size() + " " + tailPosition);
  }

  @Override
  public void afterCreate(StreamMeta meta) {
    events.add("afterCreate " + meta.path());
  }

  @Override
  public void afterDelete(String path) {
    events.add("afterDelete " + path);
  }

  @Override
  public void start(UnitAppender appender) {
    this.appender = appender;
    events.add("start");
  }

  @Override
  public void close() {}
}
