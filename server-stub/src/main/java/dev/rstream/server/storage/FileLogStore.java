package dev.rstream.server.storage;

import static dev.rstream.server.storage.StreamTable.checkMessages;
import static dev.rstream.server.storage.StreamTable.noSuchStream;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable {@link LogStore}: one append-only file per stream in a data directory, written by a
 * single writer thread with group commit.
 *
 * <h2>Layout</h2>
 *
 * {@code <dir>/lock} is held with an OS file lock while the store is open. {@code
 * <dir>/streams/<n>.log} holds one stream each, {@code n} a store-wide counter: stream paths come
 * from clients and never become file names, so nothing a client sends can name a file outside the
 * directory. A file starts with a creation record (the stream's path and metadata plus its initial
 * unit) followed by one record per append unit, each with a length and a CRC32C (see {@link
 * LogRecord}). A unit's record also carries the producer state, {@code Stream-Seq} and closed flag
 * it commits, so they are durable exactly when its messages are. Deleting a stream deletes its
 * file.
 *
 * <h2>Durability</h2>
 *
 * A future from {@link #create}, {@link #append} or {@link #delete} completes only after the record
 * was written and the file forced ({@code fdatasync}; the directory too for a create or delete), so
 * acknowledged changes survive {@code kill -9} and power loss. {@link #read}, {@link #meta}'s tail
 * and closed flag, and tail listeners see only durable units: a unit becomes readable just before
 * its future completes. The ordered state ({@link #producers}, {@link StreamMeta#lastStreamSeq()},
 * the closed check of {@link #append}) includes units still waiting for their fsync.
 *
 * <p>If the disk fails a write or an fsync (a full disk, say), the pending futures fail, every
 * change queued behind them fails too, and the store then heals itself: each stream touched is cut
 * back to its last durable record and its ordered state reset to what is durable, a stream whose
 * creation failed is forgotten, and changes are taken again. A store that cannot heal (the truncate
 * fails as well) refuses changes and tries again on each later change.
 *
 * <h2>Recovery</h2>
 *
 * {@link #open} reads every stream file, checks each record's checksum and rebuilds the indexes,
 * producer states and metadata. Records are written strictly in sequence and a record is
 * acknowledged only after all earlier ones are durable, so only a <em>torn tail</em> (the file ends
 * inside its last record, or in zeros, with nothing intact after it) can be unacknowledged: it is
 * truncated, with a warning, and a creation torn that way deletes its file. Any other bad record is
 * <em>corruption</em> of acknowledged data (see {@link LogDamage}): nothing is cut or deleted. The
 * stream is served up to the damage and <em>fenced</em> there: reads at or past the damage and
 * every append fail with {@link StreamDamagedException}, whose message names the file, the byte and
 * the way out, and the path cannot be created again, so no offset is handed out twice. A damaged
 * creation record is repaired when one flipped bit explains it (the stream is then fenced at
 * position 0); beyond that the file is left in place and its stream not served. The way out is the
 * operator's: restore the file, or reopen with {@code salvageDamaged} ({@link #SALVAGE_FLAG} on the
 * command line), which keeps every intact record under a new incarnation (see {@link LogSalvage}).
 *
 * <h2>Threading</h2>
 *
 * Every method may be called from any thread. {@link #append} orders the unit under the stream's
 * monitor (positions assigned, ordered state updated, record queued) and returns; the writer thread
 * drains everything queued, writes each stream's records with one {@code write}, forces each
 * touched file once, then makes the units readable, calls tail listeners and completes the futures
 * on the writer thread. Dependent actions on those futures therefore run on the writer thread and
 * must be quick (or use an {@code ...Async} variant). Reads run on the calling thread with
 * positional reads and never wait for the writer. Compaction copies on a thread of its own, one
 * stream at a time, and holds the writer only to put the copy in place.
 *
 * <p>Heap use: per stream about 24 bytes per message for the index (plus producer states); message
 * bytes stay on disk and in the OS page cache. Each stream holds up to two open file descriptors.
 */
public final class FileLogStore extends TableLogStore<FileStream> {
  private static final Logger log = LoggerFactory.getLogger(FileLogStore.class);

  private final Path streamsDir;
  private final DirectoryLock lock;
  private final TailListeners listeners = new TailListeners(log);
  private final AtomicLong nextFileNumber;
  private final GroupCommitWriter writer;
  private final Compactor compactor;
  private final long minCompactionBytes;
  private volatile boolean closed;

  /**
   * A trim compacts the stream's file (see {@link LogCompaction}) once it dropped at least this
   * many message bytes from it, and at least as many as the file keeps.
   */
  public static final long DEFAULT_MIN_COMPACTION_BYTES = 1 << 20;

  /**
   * The server's command-line flag that opens the store with {@code salvageDamaged}; damaged
   * streams name it in their errors.
   */
  public static final String SALVAGE_FLAG = "--salvage-damaged";

  private FileLogStore(
      Path dir,
      DirectoryLock lock,
      Runnable beforeGroup,
      boolean salvage,
      Disk disk,
      LogCompaction.Hook compactionHook,
      long minCompactionBytes)
      throws IOException {
    this.minCompactionBytes = minCompactionBytes;
    this.streamsDir = dir.resolve("streams");
    this.lock = lock;
    Files.createDirectories(streamsDir);
    this.nextFileNumber = new AtomicLong(LogRecovery.recover(streamsDir, byPath, salvage) + 1);
    this.writer =
        new GroupCommitWriter(streamsDir, byPath, listeners, beforeGroup, disk, compactionHook);
    this.compactor = new Compactor(writer, compactionHook, String.valueOf(dir));
    writer.start();
  }

  /**
   * Opens the store in {@code dir} (created when missing), recovering whatever a previous process
   * left there. The caller closes the store.
   *
   * @throws StoreLockedException when another store, in this process or another, has {@code dir}
   *     open
   * @throws IOException when the directory cannot be read or written
   */
  public static FileLogStore open(Path dir) throws IOException {
    return open(dir, () -> {}, false, Disk.REAL, LogCompaction.Hook.NONE);
  }

  /**
   * Like {@link #open(Path)}; with {@code salvageDamaged}, each damaged stream file is first
   * rewritten with its intact records under a new incarnation (old offsets then answer 410) and its
   * original kept in {@code <dir>/damaged/}. The operator's choice: what was beyond repair is no
   * longer served.
   */
  public static FileLogStore open(Path dir, boolean salvageDamaged) throws IOException {
    return open(dir, () -> {}, salvageDamaged, Disk.REAL, LogCompaction.Hook.NONE);
  }

  /** Like {@link #open(Path)}; {@code beforeGroup} runs on the writer before each group drains. */
  static FileLogStore open(Path dir, Runnable beforeGroup) throws IOException {
    return open(dir, beforeGroup, false, Disk.REAL, LogCompaction.Hook.NONE);
  }

  /** Like {@link #open(Path)}, writing through {@code disk} (tests: a disk that fills up). */
  static FileLogStore open(Path dir, Disk disk) throws IOException {
    return open(dir, () -> {}, false, disk, LogCompaction.Hook.NONE);
  }

  /**
   * Like {@link #open(Path)}, telling {@code hook} each step of every compaction (on the thread
   * that runs the step, see {@link LogCompaction.Hook}), and compacting after a trim once {@code
   * minCompactionBytes} were dropped (tests).
   */
  static FileLogStore open(Path dir, LogCompaction.Hook hook, long minCompactionBytes)
      throws IOException {
    return open(dir, () -> {}, false, Disk.REAL, hook, minCompactionBytes);
  }

  private static FileLogStore open(
      Path dir, Runnable beforeGroup, boolean salvage, Disk disk, LogCompaction.Hook hook)
      throws IOException {
    return open(dir, beforeGroup, salvage, disk, hook, DEFAULT_MIN_COMPACTION_BYTES);
  }

  private static FileLogStore open(
      Path dir,
      Runnable beforeGroup,
      boolean salvage,
      Disk disk,
      LogCompaction.Hook hook,
      long minCompactionBytes)
      throws IOException {
    requireNonNull(dir, "dir == null");
    Files.createDirectories(dir);
    DirectoryLock lock = DirectoryLock.acquire(dir);
    try {
      return new FileLogStore(dir, lock, beforeGroup, salvage, disk, hook, minCompactionBytes);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** How many times the writer forced a file to disk; for group-commit tests. */
  long forceCount() {
    return writer.forceCount();
  }

  @Override
  public CompletableFuture<Long> create(StreamMeta meta, List<byte[]> initialMessages)
      throws StreamExistsException {
    requireNonNull(meta, "meta == null");
    checkMessages(initialMessages);
    if (byPath.containsKey(meta.path())) throw exists(meta.path());
    long incarnation = newIncarnation();
    LogRecord record = LogRecord.create(meta, incarnation, initialMessages);
    FileStream stream =
        new FileStream(
            FileStream.file(streamsDir, nextFileNumber.getAndIncrement()),
            meta.asCreated(incarnation),
            record.messageBytes,
            meta.closed(),
            meta.lastStreamSeq());
    CompletableFuture<Long> future = new CompletableFuture<>();
    synchronized (stream) {
      if (byPath.putIfAbsent(meta.path(), stream) != null) throw exists(meta.path());
      if (!writer.enqueue(QueuedChange.create(stream, record, meta.closed(), future))) {
        stream.deleted = true;
        byPath.remove(meta.path(), stream);
      }
    }
    return future;
  }

  @Override
  public CompletableFuture<Long> append(
      String path,
      List<byte[]> messages,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      boolean close)
      throws NoSuchStreamException, StreamClosedException {
    FileStream stream = table.appendTarget(path, messages);
    String damaged = stream.damage;
    if (damaged != null)
      return CompletableFuture.failedFuture(new StreamDamagedException(path, damaged));
    // Encoding and checksumming outside the monitor keeps the ordering section short.
    LogRecord record = LogRecord.unit(messages, producer, streamSeq, close);
    CompletableFuture<Long> future = new CompletableFuture<>();
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      // While the writer heals a failed write, the ordered state may hold a close that failed.
      IOException failed = writer.failure();
      if (failed != null) {
        return CompletableFuture.failedFuture(
            new IOException("store failed a write and is healing: " + failed, failed));
      }
      if (stream.orderedClosed) throw new StreamClosedException("stream is closed: " + path);
      long start = stream.orderedTail;
      if (writer.enqueue(
          QueuedChange.unit(stream, record, start, close, producer, streamSeq, future))) {
        stream.orderedTail = start + record.messageBytes;
        if (producer != null) stream.producers.put(producer.producerId(), producer);
        if (streamSeq != null) stream.lastStreamSeq = streamSeq;
        if (close) stream.orderedClosed = true;
      }
    }
    return future;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Serves only durable units, and reads a page's bytes with one positional read on the calling
   * thread. A disk error, or an interrupt of the calling thread during the read, throws {@link
   * UncheckedIOException}; an interrupted read does not disturb other readers.
   *
   * @throws IllegalStateException when the store is closed
   */
  @Override
  public ReadResult read(String path, long fromPosition, int maxBytes)
      throws NoSuchStreamException, InvalidPositionException {
    requireNonNull(path, "path == null");
    if (closed) throw new IllegalStateException("store is closed");
    return table.existing(path).read(fromPosition, maxBytes);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Takes effect for readers at once. The file is compacted ({@link LogCompaction}: copied on
   * the store's compactor thread while appends go on, then switched over on the writer thread) once
   * the messages dropped from it are at least {@link #DEFAULT_MIN_COMPACTION_BYTES} and at least as
   * many bytes as it keeps; until then the dropped messages stay on disk, and after a restart the
   * stream starts where its file does.
   */
  @Override
  public void trim(String path, long position)
      throws NoSuchStreamException, InvalidPositionException {
    requireNonNull(path, "path == null");
    FileStream stream = table.existing(path);
    if (stream.trim(position, minCompactionBytes)) {
      compactor.compact(stream, new CompletableFuture<>());
    }
  }

  /**
   * Compacts the stream's file now, whatever it dropped: completes with the bytes given back (0
   * when its file holds nothing it dropped) once the compacted file is durable and in place. For
   * benchmarks and operators; {@link #trim} compacts by itself when it is worth it.
   */
  public CompletableFuture<Long> compact(String path) throws NoSuchStreamException {
    requireNonNull(path, "path == null");
    CompletableFuture<Long> future = new CompletableFuture<>();
    compactor.compact(table.existing(path), future);
    return future;
  }

  @Override
  public void forgetProducers(String path, Collection<String> ids) {
    FileStream stream = byPath.get(path);
    if (stream != null) stream.forgetProducers(ids);
  }

  @Override
  public CompletableFuture<Void> delete(String path) throws NoSuchStreamException {
    requireNonNull(path, "path == null");
    FileStream stream = table.existing(path);
    CompletableFuture<Long> future = new CompletableFuture<>();
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      if (writer.enqueue(QueuedChange.delete(stream, future))) {
        stream.deleted = true;
        byPath.remove(path, stream);
        listeners.fire(path, stream.index.tail(), stream.readableClosed, true);
      }
    }
    return future.thenApply(ignored -> null);
  }

  @Override
  public AutoCloseable addTailListener(TailListener listener) {
    return listeners.add(listener);
  }

  /**
   * Writes and forces everything queued, completes its futures, stops the writer and releases the
   * files and the directory lock. Later changes fail with an {@link IOException}; reads throw
   * {@link IllegalStateException}. Safe to call more than once.
   */
  @Override
  public void close() throws IOException {
    // Finishes releasing the files even when interrupted: a half-closed store is worse.
    if (!writer.stop()) return;
    compactor.stop();
    closed = true;
    IOException first = null;
    for (FileStream stream : byPath.values()) {
      try {
        stream.close();
      } catch (IOException e) {
        if (first == null) first = e;
      }
    }
    lock.close();
    if (first != null) throw first;
  }

  private static StreamExistsException exists(String path) {
    return new StreamExistsException("stream exists: " + path);
  }

  private long newIncarnation() {
    // Random rather than counted: a counter would restart from what survives on disk and could
    // hand a deleted stream's incarnation to its successor at the same path.
    while (true) {
      long candidate = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
      boolean used = false;
      for (FileStream stream : byPath.values()) used |= stream.created.incarnation() == candidate;
      if (!used) return candidate;
    }
  }
}
