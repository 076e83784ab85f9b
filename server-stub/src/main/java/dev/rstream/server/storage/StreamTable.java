package dev.rstream.server.storage;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The streams of a store by path, and the {@link LogStore} queries every store answers from them
 * alone: {@link LogStore#streams}, {@link LogStore#meta} and {@link LogStore#producers}.
 *
 * <p>Threading: safe from any thread when the map is concurrent; each stream is read under its own
 * monitor.
 */
final class StreamTable<S extends StoredStream> {
  private final Map<String, S> streams;

  /** A view of {@code streams}, which the store keeps adding to and removing from. */
  StreamTable(Map<String, S> streams) {
    this.streams = streams;
  }

  /** {@link LogStore#streams}: the metadata of every stream not deleted. */
  Collection<StreamMeta> metas() {
    List<StreamMeta> result = new ArrayList<>();
    for (S stream : streams.values()) {
      synchronized (stream) {
        if (!stream.deleted) result.add(stream.meta());
      }
    }
    return result;
  }

  /** {@link LogStore#meta}. */
  @Nullable StreamMeta meta(String path) {
    requireNonNull(path, "path == null");
    S stream = streams.get(path);
    if (stream == null) return null;
    synchronized (stream) {
      return stream.deleted ? null : stream.meta();
    }
  }

  /** {@link LogStore#producers}. */
  Collection<ProducerState> producers(String path) throws NoSuchStreamException {
    requireNonNull(path, "path == null");
    S stream = existing(path);
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      return new ArrayList<>(stream.producers.values());
    }
  }

  /** The stream at {@code path}, which may have been deleted since. */
  S existing(String path) throws NoSuchStreamException {
    S stream = streams.get(path);
    if (stream == null) throw noSuchStream(path);
    return stream;
  }

  /** The stream to append {@code messages} to, once the arguments passed the checks. */
  S appendTarget(String path, List<byte[]> messages) throws NoSuchStreamException {
    requireNonNull(path, "path == null");
    checkMessages(messages);
    return existing(path);
  }

  static NoSuchStreamException noSuchStream(String path) {
    return new NoSuchStreamException("no such stream: " + path);
  }

  /** Refuses what no store takes: a null list or message, or an empty message. */
  static void checkMessages(List<byte[]> messages) {
    requireNonNull(messages, "messages == null");
    for (byte[] message : messages) {
      requireNonNull(message, "message == null");
      if (message.length == 0) throw new IllegalArgumentException("empty message");
    }
  }
}
