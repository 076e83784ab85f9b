package dev.rstream.server.http;

import dev.rstream.server.storage.ReadResult;
import java.nio.ByteBuffer;
import java.util.List;

/** Response bodies of reads: stored messages joined as they are, never re-serialised. */
final class ReadBodies {
  private static final byte[] EMPTY_ARRAY = {'[', ']'};

  private ReadBodies() {}

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
