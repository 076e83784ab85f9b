package dev.rstream.benchmarks.sse;

import java.nio.charset.StandardCharsets;

/**
 * The event streams the parsers read, shaped like a Durable Streams server's SSE live reads: {@code
 * event: data} with a JSON array of State Protocol messages, each followed by {@code event:
 * control} with the next offset and cursor (Durable Streams protocol, SSE mode). Built
 * deterministically in code rather than stored, so every run and every parser reads identical
 * bytes.
 */
public enum RecordedStream {
  /** 2,000 data/control pairs of about 100 bytes each; every 10th data event spans 4 lines. */
  SMALL_EVENTS(smallEvents(), Integer.MAX_VALUE),
  /** 16 data events of 64 KiB on one line each, with their control events. */
  LARGE_EVENTS(largeEvents(), Integer.MAX_VALUE),
  /** {@link #SMALL_EVENTS} delivered one byte per read, the worst a network can do. */
  SMALL_EVENTS_ONE_BYTE_READS(SMALL_EVENTS.bytes, 1);

  private final byte[] bytes;
  private final int maxBytesPerRead;

  RecordedStream(byte[] bytes, int maxBytesPerRead) {
    this.bytes = bytes;
    this.maxBytesPerRead = maxBytesPerRead;
  }

  /** The whole stream. Shared: callers must not modify it. */
  public byte[] bytes() {
    return bytes;
  }

  /** How many bytes one read of the simulated connection returns at most. */
  public int maxBytesPerRead() {
    return maxBytesPerRead;
  }

  private static byte[] smallEvents() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      String message =
          String.format(
              "{\"type\":\"todo\",\"key\":\"todo-%06d\","
                  + "\"value\":{\"title\":\"Buy milk\",\"done\":%b}}",
              i, i % 3 == 0);
      out.append("event: data\n");
      if (i % 10 == 0) {
        // The multi-line form the protocol allows for JSON arrays.
        out.append("data: [\ndata: ")
            .append(message)
            .append(",\ndata: ")
            .append(message)
            .append("\ndata: ]\n\n");
      } else {
        out.append("data: [").append(message).append("]\n\n");
      }
      appendControl(out, i);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] largeEvents() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      StringBuilder array = new StringBuilder(65_536).append('[');
      for (int k = 0; array.length() < 65_536 - 100; k++) {
        if (k > 0) array.append(',');
        array.append(
            String.format(
                "{\"type\":\"todo\",\"key\":\"todo-%06d\","
                    + "\"value\":{\"title\":\"Caf\u00e9 \u00e0 emporter\",\"done\":false}}",
                i * 1_000 + k));
      }
      array.append(']');
      out.append("event: data\ndata: ").append(array).append("\n\n");
      appendControl(out, i);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void appendControl(StringBuilder out, int i) {
    out.append(
        String.format(
            "event: control\n"
                + "data: {\"streamNextOffset\":\"0000000000000000_%016d\","
                + "\"streamCursor\":\"c%d\"}\n\n",
            (i + 1) * 97L, i / 50));
  }
}
