package dev.rstream.server.storage;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What every store keeps of one stream: its metadata as created, the producer states and {@code
 * Stream-Seq} its units committed (the ordered state appends are checked against), and whether it
 * was deleted.
 *
 * <p>Threading: guarded by this object's monitor; {@link #deleted} is written under it and may be
 * read bare.
 */
abstract class StoredStream {
  final StreamMeta created;

  /** Producer states by id, in the order they first wrote. Guarded by this. */
  final Map<String, ProducerState> producers = new LinkedHashMap<>();

  /** The last {@code Stream-Seq} committed, or null. Guarded by this. */
  @Nullable String lastStreamSeq;

  volatile boolean deleted;

  StoredStream(StreamMeta created, @Nullable String lastStreamSeq) {
    this.created = created;
    this.lastStreamSeq = lastStreamSeq;
  }

  /** The stream's metadata as readers see it. Caller holds the monitor. */
  abstract StreamMeta meta();
}
