package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.testing.ReferenceLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The kit's {@link ReferenceLog} in the sdk's types: its entries as {@code order} changes, appended
 * through a client, and a view's orders as the map {@link ReferenceLog#replayTo} gives.
 */
final class ReferenceChanges {
  static final String TYPE = "order";

  private ReferenceChanges() {}

  /** {@code entries} as changes to {@code order} entities, with their timestamps. */
  static List<Change> changes(List<ReferenceLog.Entry> entries) {
    List<Change> changes = new ArrayList<>();
    for (ReferenceLog.Entry entry : entries) {
      String value = entry.value();
      changes.add(
          value == null
              ? Change.builder()
                  .operation(Change.Operation.DELETE)
                  .type(TYPE)
                  .key(entry.key())
                  .timestamp(entry.timestamp())
                  .build()
              : Change.builder()
                  .operation(Change.Operation.UPDATE)
                  .type(TYPE)
                  .key(entry.key())
                  .value(value)
                  .timestamp(entry.timestamp())
                  .build());
    }
    return changes;
  }

  /**
   * Appends {@code units} random units of {@code log} through {@code writer}, one POST each and
   * each acknowledged within 10 s; returns the offset after the last.
   */
  static Offset appendRandom(
      RStreamClient writer, ReferenceLog log, Random random, int units, ReferenceLog.Shape shape) {
    Offset last = null;
    for (int u = 0; u < units; u++) {
      last =
          writer.append(changes(log.randomUnit(random, shape))).timeout(10, SECONDS).blockingGet();
    }
    return last;
  }

  /**
   * The State Protocol message of an insert of order {@code key} as {@code value} (JSON), with
   * {@code timestamp} in its headers unless it is null.
   */
  static String insertMessage(String key, String value, @Nullable Instant timestamp) {
    return "{\"type\":\""
        + TYPE
        + "\",\"key\":\""
        + key
        + "\",\"value\":"
        + value
        + ",\"headers\":{\"operation\":\"insert\""
        + (timestamp == null ? "" : ",\"timestamp\":\"" + timestamp + "\"")
        + "}}";
  }

  /** Change number {@code i}: an update of order {@code o(i % 5)} to {@code {"n":i}}. */
  static Change numbered(int i) {
    return Change.builder()
        .operation(Change.Operation.UPDATE)
        .type(TYPE)
        .key("o" + (i % 5))
        .value("{\"n\":" + i + "}")
        .build();
  }

  /**
   * An update of {@code type}/{@code key} to {@code value} stamped in the year 2000, before any
   * stream's last timestamp: server-stub refuses it for good with 400 (PROTOCOL 3.1).
   */
  static Change tooOld(String type, String key, String value) {
    return Change.builder()
        .type(type)
        .key(key)
        .operation(Change.Operation.UPDATE)
        .value(value)
        .timestamp(java.time.Instant.parse("2000-01-01T00:00:00Z"))
        .build();
  }

  /** The view's {@code order} entities, comparable with {@link ReferenceLog#replayTo}. */
  static Map<String, String> orders(StateView view) {
    return new LinkedHashMap<>(view.entities(TYPE));
  }
}
