package dev.rstream.server.http;

import dev.rstream.server.state.KeyframeStarts;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import dev.rstream.server.write.MediaTypes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/** Response bodies of reads: stored messages joined as they are, never re-serialised. */
final class ReadBodies {
  private static final byte[] EMPTY_ARRAY = {'[', ']'};

  private ReadBodies() {}

  /**
   * A catch-up chunk of a state stream ends where the next keyframe starts, so that a client
   * reading one window (docs/PROTOCOL.md 3.3) from its keyframe gets that window and nothing of the
   * next one. Other streams' reads, and reads in which no keyframe starts after the first message,
   * are returned unchanged. The cut depends only on the bytes read, which never change below the
   * tail: two reads from the same offset still return the same chunk (CACHING.md).
   */
  static ReadResult endAtNextKeyframe(ReadResult read, StreamMeta meta) {
    if (meta.keyframePolicy() == null || !MediaTypes.isJson(meta.contentType())) {
      return read;
    }
    int cut = KeyframeStarts.next(read);
    if (cut < 0) {
      return read;
    }
    long[] unitEnds = read.unitEndPositions();
    // The message before the cut ends its unit: its unit end is the keyframe's start offset.
    return new ReadResult(
        List.copyOf(read.messages().subList(0, cut)),
        Arrays.copyOf(unitEnds, cut),
        unitEnds[cut - 1],
        read.tailPosition(),
        read.closed());
  }

  /** A JSON stream's messages as one JSON array (spec 9.1.5); other streams' bytes concatenated. */
  static byte[] of(ReadResult read, boolean json) {
    return of(read.messages(), json);
  }

  static byte[] of(List<byte[]> messages, boolean json) {
    if (json && messages.isEmpty()) {
      return EMPTY_ARRAY.clone();
    }
    int size = json ? 1 + messages.size() : 0;
    for (byte[] message : messages) {
      size += message.length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    if (json) {
      out.put((byte) '[');
    }
    for (int i = 0; i < messages.size(); i++) {
      if (json && i > 0) {
        out.put((byte) ',');
      }
      out.put(messages.get(i));
    }
    if (json) {
      out.put((byte) ']');
    }
    return out.array();
  }
}
