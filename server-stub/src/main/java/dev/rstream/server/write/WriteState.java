package dev.rstream.server.write;

import dev.rstream.server.storage.ProducerState;
import dev.rstream.server.storage.StreamMeta;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What the append path knows about one stream path, guarded by the object's monitor (the stream's
 * append lock). The store is told about every unit before it is durable, so the tail, producer
 * states and closed flag here run ahead of what {@code LogStore.meta} reports; validation must use
 * these. One instance per path for the server's lifetime, so the lock never splits in two.
 */
final class WriteState {
  final String path;

  boolean loaded;

  /** Set without the lock when the store reports a delete; the next write reloads. */
  volatile boolean stale;

  /** The stream's configuration, or null when no stream exists at the path. */
  @Nullable StreamMeta meta;

  long tail;
  boolean closed;
  @Nullable String lastStreamSeq;
  final Map<String, ProducerState> producers = new HashMap<>();

  /** When each producer in {@link #producers} last had a write accepted, oldest first. */
  final LinkedHashMap<String, Long> producerUsedAt = new LinkedHashMap<>();

  /** The producer write that closed the stream, for idempotent retries of the closing append. */
  @Nullable ProducerState closedBy;

  /** Completes when the latest unit is durable; duplicates wait on it before saying "done". */
  CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);

  WriteState(String path) {
    this.path = path;
  }

  void clear() {
    meta = null;
    tail = 0;
    closed = false;
    lastStreamSeq = null;
    producers.clear();
    producerUsedAt.clear();
    closedBy = null;
    lastWrite = CompletableFuture.completedFuture(null);
  }

  /** The refusal of a write to this stream, which is closed. */
  WriteRejectedException.Closed closedError() {
    StreamMeta current = Objects.requireNonNull(meta);
    return new WriteRejectedException.Closed(path, current.incarnation(), tail);
  }

  boolean isJson() {
    return meta != null && MediaTypes.isJson(meta.contentType());
  }
}
