package dev.rstream.server.storage;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * An append-only store of streams. Each stream is a sequence of messages grouped in append units; a
 * <em>position</em> is the count of message bytes before a point of the stream (0 = start), so it
 * grows strictly with every message and every message boundary has exactly one position.
 *
 * <p>Threading: every method may be called from any thread. Appends to one stream are applied in
 * the order their calls return their futures' positions; the store serialises them itself. Callers
 * that need validate-then-append atomicity (idempotent producers, {@code Stream-Seq}) hold their
 * own per-stream lock around the validation and the {@link #append} call (the call returns as soon
 * as the unit is ordered; only durability is asynchronous).
 *
 * <p>Durability: a future returned by {@link #create}, {@link #append} or {@link #delete} completes
 * only once the change is on stable storage (fsync), so an acknowledged change survives {@code kill
 * -9} and power loss. Implementations may share one fsync between concurrent changes (group
 * commit). Reads see a unit as soon as {@link #append} has returned, before it is durable only if
 * the implementation says so; the durable implementation serves only durable units.
 *
 * <p>Two views of a stream: the <em>ordered</em> state (every unit whose {@link #append} returned:
 * the closed flag that {@link #append} checks, {@link #producers}, and {@link
 * StreamMeta#lastStreamSeq()}) is what a caller validates the next append against, so it must
 * include appends still waiting for their fsync; the <em>readable</em> state ({@link #read}, {@link
 * StreamMeta#tailPosition()}, {@link StreamMeta#closed()}, tail listeners) only moves once a unit
 * may be served. In a store that serves only durable units the readable tail can briefly trail the
 * ordered one. A stream appears in {@link #meta} and {@link #streams} as soon as {@link #create}
 * returns (with a readable tail of 0 until its initial unit is durable), and disappears as soon as
 * {@link #delete} returns.
 *
 * <p>Messages must be non-empty (an empty message would give two messages the same position); an
 * empty one is refused with {@link IllegalArgumentException}. The store copies nothing it does not
 * need to: callers must not modify arrays after passing them to {@link #create} or {@link #append}.
 *
 * <p>Errors: {@link IOException} from the disk fails the returned future; state errors (no such
 * stream, stream exists, stream closed, bad position) are thrown at once as checked exceptions.
 */
public interface LogStore extends AutoCloseable {

  /** Every stream the store holds, recovered at open or created since. */
  Collection<StreamMeta> streams();

  /** The stream's metadata, or null when there is no such stream. */
  @Nullable StreamMeta meta(String path);

  /**
   * Creates a stream with its first unit (empty {@code initialMessages} = no unit), durably.
   * Completes with the tail position after the initial messages. {@code meta.tailPosition()} and
   * {@code meta.incarnation()} are ignored: the store sets them. {@code meta.closed()} creates the
   * stream closed (after the initial messages) and {@code meta.lastStreamSeq()} is kept as given.
   *
   * @throws StreamExistsException when a stream exists at the path (thrown, not in the future)
   */
  CompletableFuture<Long> create(StreamMeta meta, List<byte[]> initialMessages)
      throws StreamExistsException;

  /**
   * Appends one unit atomically: all of {@code messages} or none of them, together with {@code
   * producer} (when not null) and the closed flag (when {@code close}). An empty {@code messages}
   * list with {@code close} closes the stream without a unit. Completes with the tail position
   * after the unit, once durable. The same as {@link #append(String, List, ProducerState, String,
   * boolean)} with no {@code streamSeq}.
   *
   * @throws NoSuchStreamException when the stream does not exist (thrown, not in the future)
   * @throws StreamClosedException when the stream is closed (thrown, not in the future)
   */
  default CompletableFuture<Long> append(
      String path, List<byte[]> messages, @Nullable ProducerState producer, boolean close)
      throws NoSuchStreamException, StreamClosedException {
    return append(path, messages, producer, null, close);
  }

  /**
   * Like {@link #append(String, List, ProducerState, boolean)}, and also commits {@code streamSeq}
   * (when not null) as the stream's {@link StreamMeta#lastStreamSeq()} atomically with the unit.
   * The store does not compare sequences: the caller checks for a regression against {@code
   * meta(path).lastStreamSeq()} under its per-stream lock, then calls this.
   *
   * @throws NoSuchStreamException when the stream does not exist (thrown, not in the future)
   * @throws StreamClosedException when the stream is closed (thrown, not in the future)
   */
  CompletableFuture<Long> append(
      String path,
      List<byte[]> messages,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      boolean close)
      throws NoSuchStreamException, StreamClosedException;

  /**
   * Reads whole messages starting at {@code fromPosition}, which must be a message boundary (or the
   * tail): as many as fit in {@code maxBytes} of message bytes, up to the readable tail, and always
   * at least one when {@code fromPosition} is before the tail (even if it alone is larger than
   * {@code maxBytes}). Never returns part of a message. Never blocks waiting for data (waiting is
   * the HTTP layer's job; see {@link #addTailListener}). The returned arrays belong to the caller
   * but may be shared with the store: do not modify them.
   *
   * @throws NoSuchStreamException when the stream does not exist
   * @throws InvalidPositionException when {@code fromPosition} is not a message boundary of the
   *     stream or is past its tail; {@link PositionGoneException} when it is before the first
   *     message the stream still holds ({@link #trim})
   */
  ReadResult read(String path, long fromPosition, int maxBytes)
      throws NoSuchStreamException, InvalidPositionException;

  /**
   * Drops every message before {@code position} (retention): from now on a read from a position
   * before it throws {@link PositionGoneException}, and {@link StreamMeta#startPosition()} is
   * {@code position}. A position at or before the current start does nothing. The producer states,
   * {@code Stream-Seq} and closed flag that dropped units committed are kept.
   *
   * <p>The trim itself need not be durable: after a restart a durable store may hold messages from
   * an earlier start again (never from a later one), and the caller trims again. When the space
   * comes back is the implementation's business ({@link FileLogStore} compacts the file once the
   * dropped bytes outweigh the kept ones). The default refuses, for test fakes.
   *
   * @throws NoSuchStreamException when the stream does not exist
   * @throws InvalidPositionException when {@code position} is not the start of an append unit or is
   *     past the readable tail
   */
  default void trim(String path, long position)
      throws NoSuchStreamException, InvalidPositionException {
    throw new UnsupportedOperationException(getClass().getName() + " does not trim");
  }

  /** Producer states of the stream, as committed with its units. Empty for no producer. */
  Collection<ProducerState> producers(String path) throws NoSuchStreamException;

  /**
   * Forgets the state of the producers {@code ids} on the stream (spec 5.2.1: a server may expire
   * idle producers): {@link #producers} no longer lists them, and a later write from one of them
   * starts afresh. In memory only; a durable store finds them in its records again when it reopens.
   * The default forgets nothing.
   */
  default void forgetProducers(String path, Collection<String> ids) {}

  /** Deletes the stream and its data durably; its path can be created again afterwards. */
  CompletableFuture<Void> delete(String path) throws NoSuchStreamException;

  /**
   * Calls {@code listener} with the stream's path and new tail position after every unit that
   * becomes readable, and after a close or delete, on the thread that made it readable. The
   * listener must not block and should not throw (a thrown exception is logged and ignored). Calls
   * for one stream come in tail order. A delete is reported when {@link #delete} returns, with the
   * tail the stream had. Returns a handle that removes it.
   */
  AutoCloseable addTailListener(TailListener listener);

  /** Flushes and releases files. Pending appends complete (or fail) before this returns. */
  @Override
  void close() throws IOException;

  /** Told about every change to a stream's tail. */
  interface TailListener {
    /**
     * The stream at {@code path} has new readable data up to {@code tailPosition}, was closed, or
     * was deleted ({@code deleted}).
     */
    void onTail(String path, long tailPosition, boolean closed, boolean deleted);
  }
}
