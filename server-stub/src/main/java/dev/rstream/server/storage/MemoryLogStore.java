package dev.rstream.server.storage;

import static dev.rstream.server.storage.StreamTable.checkMessages;
import static dev.rstream.server.storage.StreamTable.noSuchStream;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LogStore} on the heap, for tests and {@code --memory} mode: nothing survives the
 * process, so "durable" here means "applied"; every returned future is already complete.
 *
 * <p>Threading: every method may be called from any thread. Each stream is guarded by its own
 * monitor; a unit becomes readable before {@link #append} returns, and tail listeners run on the
 * appending thread inside that monitor, so that calls for one stream arrive in tail order.
 *
 * <p>Incarnations come from a store-wide counter that starts at a random value, so that they are
 * unique within the process and, with overwhelming likelihood, differ from those a previous run of
 * the server handed out for the same path.
 */
public final class MemoryLogStore extends TableLogStore<MemoryLogStore.Stream> {
  private static final Logger log = LoggerFactory.getLogger(MemoryLogStore.class);

  private final TailListeners listeners = new TailListeners(log);
  private final AtomicLong incarnations =
      new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 62));

  /** An empty store. */
  public MemoryLogStore() {}

  @Override
  public CompletableFuture<Long> create(StreamMeta meta, List<byte[]> initialMessages)
      throws StreamExistsException {
    requireNonNull(meta, "meta == null");
    checkMessages(initialMessages);
    Stream stream = new Stream(meta, incarnations.incrementAndGet());
    synchronized (stream) {
      // Publish under the monitor so that nobody reads the stream before its first unit is in.
      if (byPath.putIfAbsent(meta.path(), stream) != null) {
        throw new StreamExistsException("stream exists: " + meta.path());
      }
      stream.add(initialMessages);
      if (!initialMessages.isEmpty() || stream.closed) {
        listeners.fire(meta.path(), stream.index.tail(), stream.closed, false);
      }
      return CompletableFuture.completedFuture(stream.index.tail());
    }
  }

  @Override
  public CompletableFuture<Long> append(
      String path,
      List<byte[]> messages,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      boolean close)
      throws NoSuchStreamException, StreamClosedException {
    Stream stream = table.appendTarget(path, messages);
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      if (stream.closed) throw new StreamClosedException("stream is closed: " + path);
      stream.add(messages);
      if (producer != null) stream.producers.put(producer.producerId(), producer);
      if (streamSeq != null) stream.lastStreamSeq = streamSeq;
      if (close) stream.closed = true;
      listeners.fire(path, stream.index.tail(), stream.closed, false);
      return CompletableFuture.completedFuture(stream.index.tail());
    }
  }

  @Override
  public ReadResult read(String path, long fromPosition, int maxBytes)
      throws NoSuchStreamException, InvalidPositionException {
    requireNonNull(path, "path == null");
    Stream stream = table.existing(path);
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      MessageIndex index = stream.index;
      int from = index.indexOf(fromPosition);
      if (from < 0) throw index.invalidPosition(path, fromPosition);
      int end = from < index.count() ? index.pageEnd(from, maxBytes) : from;
      List<byte[]> messages = new ArrayList<>(end - from);
      long[] unitEnds = new long[end - from];
      for (int i = from; i < end; i++) {
        messages.add(stream.data.get((int) index.location(i)));
        unitEnds[i - from] = index.unitEnd(i);
      }
      long next = end < index.count() ? index.start(end) : index.tail();
      return new ReadResult(messages, unitEnds, next, index.tail(), stream.closed);
    }
  }

  @Override
  public void trim(String path, long position)
      throws NoSuchStreamException, InvalidPositionException {
    requireNonNull(path, "path == null");
    Stream stream = table.existing(path);
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      MessageIndex index = stream.index;
      if (position <= index.startPosition()) return;
      int at = index.checkUnitStart(path, position);
      for (int i = index.first(); i < at; i++) stream.data.set((int) index.location(i), DROPPED);
      index.trimTo(position);
    }
  }

  @Override
  public void forgetProducers(String path, Collection<String> ids) {
    Stream stream = byPath.get(path);
    if (stream == null) return;
    synchronized (stream) {
      stream.producers.keySet().removeAll(ids);
    }
  }

  @Override
  public CompletableFuture<Void> delete(String path) throws NoSuchStreamException {
    requireNonNull(path, "path == null");
    Stream stream = table.existing(path);
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      stream.deleted = true;
      byPath.remove(path, stream);
      listeners.fire(path, stream.index.tail(), stream.closed, true);
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public AutoCloseable addTailListener(TailListener listener) {
    return listeners.add(listener);
  }

  /** Does nothing: the heap needs no release, and the data stays readable. */
  @Override
  public void close() {}

  /** What a dropped message's slot holds, so that its bytes can be collected. */
  private static final byte[] DROPPED = new byte[0];

  static final class Stream extends StoredStream {
    final MessageIndex index = new MessageIndex();
    final List<byte[]> data = new ArrayList<>();
    boolean closed;

    Stream(StreamMeta meta, long incarnation) {
      super(meta.asCreated(incarnation), meta.lastStreamSeq());
      this.closed = meta.closed();
    }

    void add(List<byte[]> messages) {
      long unitEnd = index.tail();
      for (byte[] message : messages) unitEnd += message.length;
      for (byte[] message : messages) {
        byte[] copy = message.clone();
        index.add(copy.length, data.size(), unitEnd);
        data.add(copy);
      }
    }

    @Override
    StreamMeta meta() {
      return created.withState(index.tail(), closed, lastStreamSeq, index.startPosition());
    }
  }
}
