package dev.rstream.server.state;

import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP layer's append path, reduced to what the conventions rely on: a per-stream lock held
 * across beforeAppend, the store append and afterAppend; {@code headers.offset} rewritten between
 * the hooks (as the real layer does); afterCreate called under the lock. Records every unit stored.
 */
final class FakeAppender implements UnitAppender {
  private final LogStore store;
  private final StreamConventions conventions;
  private final LongSupplier clock;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** Every unit stored, in order, as stored. */
  final List<Unit> units = new ArrayList<>();

  /** Every unit the conventions asked for, as asked (before the hooks). */
  final List<List<byte[]>> requested = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** When true, appends to index streams fail, as if the server crashed before writing them. */
  volatile boolean failIndexAppends;

  record Unit(String path, List<String> messages) {}

  FakeAppender(LogStore store, StreamConventions conventions, LongSupplier clock) {
    this.store = store;
    this.conventions = conventions;
    this.clock = clock;
  }

  /** Creates a stream the way PUT does: empty, then afterCreate under the lock. */
  StreamMeta create(String path, @Nullable String policy) throws Exception {
    synchronized (lock(path)) {
      String normalised = policy == null ? null : conventions.normalisePolicy(policy);
      store.create(
          new StreamMeta(
              path,
              0,
              "application/json",
              null,
              null,
              normalised,
              clock.getAsLong(),
              0,
              false,
              null),
          List.of());
      StreamMeta meta = store.meta(path);
      conventions.afterCreate(meta);
      return meta;
    }
  }

  /** A client's POST: one unit. */
  long clientAppend(String path, String... json) throws Exception {
    List<byte[]> messages = new ArrayList<>();
    for (String j : json) messages.add(j.getBytes(StandardCharsets.UTF_8));
    return append(path, messages);
  }

  /** A client's DELETE. */
  void delete(String path) throws Exception {
    synchronized (lock(path)) {
      store.delete(path);
    }
    conventions.afterDelete(path);
  }

  /** A client's close (POST with Stream-Closed and no body). */
  void close(String path) throws Exception {
    synchronized (lock(path)) {
      store.append(path, List.of(), null, true).join();
    }
  }

  @Override
  public CompletableFuture<Long> appendUnit(
      String path, List<byte[]> messages, @Nullable StreamMeta createIfMissing) {
    requested.add(messages);
    try {
      if (failIndexAppends && path.endsWith(RealStreamConventions.INDEX_SUFFIX)) {
        throw new java.io.IOException("simulated crash before the index entry");
      }
      synchronized (lock(path)) {
        if (store.meta(path) == null) {
          if (createIfMissing == null) throw new NoSuchStreamException("no stream at " + path);
          create(path, createIfMissing.keyframePolicy());
        }
        return CompletableFuture.completedFuture(append(path, messages));
      }
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private long append(String path, List<byte[]> messages) throws Exception {
    synchronized (lock(path)) {
      StreamMeta meta = store.meta(path);
      if (meta == null) throw new NoSuchStreamException("no stream at " + path);
      if (meta.closed())
        throw new dev.rstream.server.storage.StreamClosedException("closed: " + path);
      List<byte[]> accepted = conventions.beforeAppend(meta, messages, clock.getAsLong());
      List<byte[]> stored = new ArrayList<>();
      for (byte[] m : accepted) stored.add(withOffset(m, "rewritten"));
      long tail = meta.tailPosition();
      for (byte[] m : stored) tail += m.length;
      long stored_tail = store.append(path, stored, null, false).join();
      if (stored_tail != tail) throw new AssertionError("tail " + stored_tail + " != " + tail);
      conventions.afterAppend(meta, stored, tail);
      List<String> texts = new ArrayList<>();
      for (byte[] m : stored) texts.add(new String(m, StandardCharsets.UTF_8));
      synchronized (units) {
        units.add(new Unit(path, texts));
      }
      return tail;
    }
  }

  /** Like the HTTP layer's headers.offset stamp: a textual rewrite is enough for tests. */
  private static byte[] withOffset(byte[] message, String offset) {
    String s = new String(message, StandardCharsets.UTF_8);
    int h = s.indexOf("\"headers\":{");
    if (h < 0) return message;
    int at = h + "\"headers\":{".length();
    boolean empty = s.charAt(at) == '}';
    String out =
        s.substring(0, at) + "\"offset\":\"" + offset + "\"" + (empty ? "" : ",") + s.substring(at);
    return out.getBytes(StandardCharsets.UTF_8);
  }

  private Object lock(String path) {
    return locks.computeIfAbsent(path, p -> new Object());
  }
}
