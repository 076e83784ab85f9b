package dev.rstream.server.storage;

import static dev.rstream.server.storage.MemoryLogStore.checkMessages;
import static dev.rstream.server.storage.MemoryLogStore.invalidPosition;
import static dev.rstream.server.storage.MemoryLogStore.noSuchStream;
import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * <p>If the disk fails a write or an fsync, the pending futures fail and the store refuses every
 * later change (its ordered state may be ahead of the disk): reopen it to recover what is durable.
 *
 * <h2>Recovery</h2>
 *
 * {@link #open} reads every stream file, checks each record's checksum and rebuilds the indexes,
 * producer states and metadata. The first record that is torn (cut short by a crash) or corrupt
 * (bad checksum or malformed) ends the file: it and everything after it are truncated, with a
 * warning that says how many bytes were dropped. Records are written strictly in sequence and a
 * record is acknowledged only after all earlier ones are durable, so whatever follows a bad record
 * was never acknowledged unless the disk itself corrupted data; in that case the loss is logged
 * (as an error when more than a torn tail's worth is dropped) rather than served. A file whose
 * creation record is unreadable held no acknowledged stream and is deleted.
 *
 * <h2>Threading</h2>
 *
 * Every method may be called from any thread. {@link #append} orders the unit under the stream's
 * monitor (positions assigned, ordered state updated, record queued) and returns; the writer thread
 * drains everything queued, writes each stream's records with one {@code write}, forces each
 * touched file once, then makes the units readable, calls tail listeners and completes the futures
 * on the writer thread. Dependent actions on those futures therefore run on the writer thread and
 * must be quick (or use an {@code ...Async} variant). Reads run on the calling thread with
 * positional reads and never wait for the writer.
 *
 * <p>Heap use: per stream about 24 bytes per message for the index (plus producer states); message
 * bytes stay on disk and in the OS page cache. Each stream holds up to two open file descriptors.
 */
public final class FileLogStore implements LogStore {
  private static final Logger log = LoggerFactory.getLogger(FileLogStore.class);
  private static final Pattern STREAM_FILE = Pattern.compile("(\\d{16})\\.log");
  private static final int WRITE_BUFFER_SIZE = 1 << 20;
  /** Pages whose bytes span more than this on disk are read message by message. */
  private static final int MAX_SPAN_READ = 16 << 20;

  private final Path streamsDir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Runnable beforeGroup;
  private final Map<String, Stream> streams = new ConcurrentHashMap<>();
  private final TailListeners listeners = new TailListeners(log);
  private final AtomicLong nextFileNumber;
  private final AtomicLong forces = new AtomicLong();
  private final Thread writer;

  private final Object queueLock = new Object();
  private final ArrayDeque<Op> queue = new ArrayDeque<>(); // guarded by queueLock
  private boolean stopping; // guarded by queueLock
  private volatile @Nullable IOException failure;
  private volatile boolean closed;

  private FileLogStore(
      Path dir, FileChannel lockChannel, FileLock lock, Runnable beforeGroup) throws IOException {
    this.streamsDir = dir.resolve("streams");
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.beforeGroup = beforeGroup;
    Files.createDirectories(streamsDir);
    this.nextFileNumber = new AtomicLong(recover() + 1);
    this.writer = new Thread(this::writeLoop, "rstream-log-writer " + dir);
    writer.setDaemon(true);
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
    return open(dir, () -> {});
  }

  /** Like {@link #open(Path)}; {@code beforeGroup} runs on the writer before each group drains. */
  static FileLogStore open(Path dir, Runnable beforeGroup) throws IOException {
    requireNonNull(dir, "dir == null");
    Files.createDirectories(dir);
    Path lockFile = dir.resolve("lock");
    FileChannel lockChannel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      lockChannel.close();
      throw e;
    }
    if (lock == null) {
      lockChannel.close();
      throw new StoreLockedException(
          "data directory " + dir.toAbsolutePath() + " is already open (" + lockFile
              + " is locked by this or another process)");
    }
    try {
      return new FileLogStore(dir, lockChannel, lock, beforeGroup);
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockChannel.close();
      throw e;
    }
  }

  /** How many times the writer forced a file to disk; for group-commit tests. */
  long forceCount() {
    return forces.get();
  }

  @Override
  public Collection<StreamMeta> streams() {
    List<StreamMeta> result = new ArrayList<>();
    for (Stream stream : streams.values()) {
      synchronized (stream) {
        if (!stream.deleted) result.add(stream.meta());
      }
    }
    return result;
  }

  @Override
  public @Nullable StreamMeta meta(String path) {
    requireNonNull(path, "path == null");
    Stream stream = streams.get(path);
    if (stream == null) return null;
    synchronized (stream) {
      return stream.deleted ? null : stream.meta();
    }
  }

  @Override
  public CompletableFuture<Long> create(StreamMeta meta, List<byte[]> initialMessages)
      throws StreamExistsException {
    requireNonNull(meta, "meta == null");
    checkMessages(initialMessages);
    if (streams.containsKey(meta.path())) throw exists(meta.path());
    long incarnation = newIncarnation();
    LogRecord record = LogRecord.create(meta, incarnation, initialMessages);
    Stream stream =
        new Stream(
            nextFileNumber.getAndIncrement(),
            createdMeta(meta, incarnation),
            record.messageBytes,
            meta.closed(),
            meta.lastStreamSeq());
    CompletableFuture<Long> future = new CompletableFuture<>();
    synchronized (stream) {
      if (streams.putIfAbsent(meta.path(), stream) != null) throw exists(meta.path());
      if (!enqueue(new Op(stream, Op.CREATE, record, 0, meta.closed(), future))) {
        stream.deleted = true;
        streams.remove(meta.path(), stream);
      }
    }
    return future;
  }

  @Override
  public CompletableFuture<Long> append(
      String path, List<byte[]> messages, @Nullable ProducerState producer, boolean close)
      throws NoSuchStreamException, StreamClosedException {
    return append(path, messages, producer, null, close);
  }

  @Override
  public CompletableFuture<Long> append(
      String path,
      List<byte[]> messages,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      boolean close)
      throws NoSuchStreamException, StreamClosedException {
    requireNonNull(path, "path == null");
    checkMessages(messages);
    Stream stream = existing(path);
    // Encoding and checksumming outside the monitor keeps the ordering section short.
    LogRecord record = LogRecord.unit(messages, producer, streamSeq, close);
    CompletableFuture<Long> future = new CompletableFuture<>();
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      if (stream.orderedClosed) throw new StreamClosedException("stream is closed: " + path);
      long start = stream.orderedTail;
      if (enqueue(new Op(stream, Op.UNIT, record, start, close, future))) {
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
    Stream stream = existing(path);
    long[] locations;
    int[] lengths;
    long[] unitEnds;
    long next;
    long tail;
    boolean streamClosed;
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      MessageIndex index = stream.index;
      int from = index.indexOf(fromPosition);
      if (from < 0) throw invalidPosition(path, fromPosition, index.tail());
      int end = from < index.count() ? index.pageEnd(from, maxBytes) : from;
      locations = new long[end - from];
      lengths = new int[end - from];
      unitEnds = new long[end - from];
      for (int i = from; i < end; i++) {
        locations[i - from] = index.location(i);
        lengths[i - from] = index.length(i);
        unitEnds[i - from] = index.unitEnd(i);
      }
      next = end < index.count() ? index.start(end) : index.tail();
      tail = index.tail();
      streamClosed = stream.readableClosed;
    }
    List<byte[]> messages;
    try {
      messages = stream.readMessages(locations, lengths);
    } catch (IOException e) {
      if (stream.deleted) throw noSuchStream(path);
      throw new UncheckedIOException("cannot read stream " + path + " at " + fromPosition, e);
    }
    return new ReadResult(messages, unitEnds, next, tail, streamClosed);
  }

  @Override
  public Collection<ProducerState> producers(String path) throws NoSuchStreamException {
    requireNonNull(path, "path == null");
    Stream stream = existing(path);
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      return new ArrayList<>(stream.producers.values());
    }
  }

  @Override
  public CompletableFuture<Void> delete(String path) throws NoSuchStreamException {
    requireNonNull(path, "path == null");
    Stream stream = existing(path);
    CompletableFuture<Long> future = new CompletableFuture<>();
    synchronized (stream) {
      if (stream.deleted) throw noSuchStream(path);
      if (enqueue(new Op(stream, Op.DELETE, null, 0, false, future))) {
        stream.deleted = true;
        streams.remove(path, stream);
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
    synchronized (queueLock) {
      if (stopping) return;
      stopping = true;
      queueLock.notifyAll();
    }
    boolean interrupted = false;
    while (true) {
      try {
        writer.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // Finish releasing the files anyway: a half-closed store is worse.
      }
    }
    closed = true;
    IOException first = null;
    for (Stream stream : streams.values()) {
      try {
        stream.closeChannels();
      } catch (IOException e) {
        if (first == null) first = e;
      }
    }
    try {
      lock.release();
    } finally {
      lockChannel.close();
    }
    if (interrupted) Thread.currentThread().interrupt();
    if (first != null) throw first;
  }

  private Stream existing(String path) throws NoSuchStreamException {
    Stream stream = streams.get(path);
    if (stream == null) throw noSuchStream(path);
    return stream;
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
      for (Stream stream : streams.values()) used |= stream.created.incarnation() == candidate;
      if (!used) return candidate;
    }
  }

  private static StreamMeta createdMeta(StreamMeta meta, long incarnation) {
    return new StreamMeta(
        meta.path(),
        incarnation,
        meta.contentType(),
        meta.ttlSeconds(),
        meta.expiresAtMillis(),
        meta.keyframePolicy(),
        meta.createdAtMillis(),
        0,
        false,
        null);
  }

  /** Queues {@code op}, or fails its future when the store is closed or failed. */
  private boolean enqueue(Op op) {
    IOException failed = failure;
    if (failed != null) {
      op.future.completeExceptionally(new IOException("store failed earlier: " + failed, failed));
      return false;
    }
    synchronized (queueLock) {
      if (stopping) {
        op.future.completeExceptionally(new IOException("store is closed"));
        return false;
      }
      queue.add(op);
      if (queue.size() == 1) queueLock.notifyAll();
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Writer thread

  private void writeLoop() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_SIZE);
    while (true) {
      synchronized (queueLock) {
        while (queue.isEmpty() && !stopping) {
          try {
            queueLock.wait();
          } catch (InterruptedException e) {
            // Only close() stops the writer: pending futures must complete.
          }
        }
        if (queue.isEmpty()) return;
      }
      beforeGroup.run();
      List<Op> group;
      synchronized (queueLock) {
        group = new ArrayList<>(queue);
        queue.clear();
      }
      commit(group, buffer);
    }
  }

  private void commit(List<Op> group, ByteBuffer buffer) {
    IOException failed = failure;
    if (failed == null) {
      try {
        write(group, buffer);
      } catch (IOException | RuntimeException e) {
        failed = e instanceof IOException ? (IOException) e : new IOException(e);
        failure = failed;
        log.error("log write failed; the store refuses further changes until reopened", e);
      }
    }
    if (failed != null) {
      for (Op op : group) {
        op.future.completeExceptionally(new IOException("log write failed: " + failed, failed));
      }
      return;
    }
    for (Op op : group) op.stream.apply(op);
  }

  /** Writes every record of the group, one write per stream, then forces each file once. */
  private void write(List<Op> group, ByteBuffer buffer) throws IOException {
    Map<Stream, List<Op>> byStream = new LinkedHashMap<>();
    for (Op op : group) byStream.computeIfAbsent(op.stream, s -> new ArrayList<>()).add(op);
    boolean directoryChanged = false;
    for (Map.Entry<Stream, List<Op>> entry : byStream.entrySet()) {
      Stream stream = entry.getKey();
      boolean deleted = false;
      for (Op op : entry.getValue()) {
        if (op.kind == Op.DELETE) {
          deleted = true;
          break; // Nothing follows a delete: the stream left the map when it was queued.
        }
        if (op.kind == Op.CREATE) {
          stream.openForCreate();
          directoryChanged = true;
        }
        byte[] record = requireNonNull(op.record).bytes;
        op.fileOffset = stream.fileEnd + buffer.position();
        if (record.length > buffer.remaining()) {
          flush(stream, buffer);
          if (record.length > buffer.capacity()) {
            stream.write(ByteBuffer.wrap(record));
            continue;
          }
        }
        buffer.put(record);
      }
      flush(stream, buffer);
      if (deleted) {
        stream.closeChannels();
        Files.deleteIfExists(stream.file);
        directoryChanged = true;
      } else {
        stream.force();
        forces.incrementAndGet();
      }
    }
    if (directoryChanged) {
      // A new or removed file is durable only once its directory entry is.
      try (FileChannel directory = FileChannel.open(streamsDir, StandardOpenOption.READ)) {
        directory.force(true);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  /** Loads every stream file; returns the highest file number seen (0 when none). */
  private long recover() throws IOException {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(streamsDir)) {
      for (Path file : entries) {
        Matcher m = STREAM_FILE.matcher(file.getFileName().toString());
        if (m.matches() && Files.isRegularFile(file)) {
          files.put(Long.parseLong(m.group(1)), file);
        } else {
          log.warn("ignoring unexpected file {} in the log directory", file);
        }
      }
    }
    long maxNumber = 0;
    for (Map.Entry<Long, Path> entry : files.entrySet()) {
      maxNumber = entry.getKey();
      Stream stream = recoverStream(entry.getKey(), entry.getValue());
      if (stream == null) continue;
      Stream older = streams.put(stream.created.path(), stream);
      if (older != null) {
        // A delete and a re-create of one path can reach the disk in either order when the
        // process dies between them; the later file is the later creation.
        log.warn(
            "stream {} is in both {} and {}; keeping the newer, deleting the older",
            stream.created.path(),
            older.file,
            stream.file);
        Files.delete(older.file);
      }
    }
    return maxNumber;
  }

  private @Nullable Stream recoverStream(long number, Path file) throws IOException {
    long size = Files.size(file);
    Stream stream = null;
    long offset = 0;
    String problem = null;
    long badRecordEnd = -1; // end of a complete but bad record, to tell corruption from a torn tail
    try (InputStream in = Files.newInputStream(file);
        DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16))) {
      while (offset < size) {
        if (size - offset < LogRecord.HEADER_SIZE) {
          problem = "torn record header";
          break;
        }
        int length = data.readInt();
        int checksum = data.readInt();
        if (length <= 0 || length > LogRecord.MAX_BODY_SIZE) {
          problem = "bad record length " + length;
          break;
        }
        if (length > size - offset - LogRecord.HEADER_SIZE) {
          problem = "torn record (" + length + " byte body, file ends first)";
          break;
        }
        byte[] body = new byte[length];
        data.readFully(body);
        badRecordEnd = offset + LogRecord.HEADER_SIZE + length;
        if (LogRecord.checksum(body, 0, length) != checksum) {
          problem = "checksum mismatch";
          break;
        }
        LogRecord.Decoded record;
        try {
          record = LogRecord.decode(body);
        } catch (LogRecord.CorruptRecordException e) {
          problem = e.getMessage();
          break;
        }
        if (stream == null) {
          if (record.type != LogRecord.CREATE) {
            problem = "first record is not a creation";
            break;
          }
          StreamMeta meta = requireNonNull(record.meta);
          stream = new Stream(number, meta, 0, false, null);
          stream.fileEnd = 0;
        } else if (record.type != LogRecord.UNIT) {
          problem = "second creation record";
          break;
        }
        stream.recover(record, offset);
        offset += LogRecord.HEADER_SIZE + length;
        badRecordEnd = -1;
      }
    } catch (EOFException e) {
      problem = "file ends early";
    }
    if (problem != null) {
      long dropped = size - offset;
      if (stream == null) {
        log.warn(
            "{}: {} at offset {}; no stream was ever acknowledged in it, deleting the file",
            file,
            problem,
            offset);
        Files.delete(file);
        return null;
      }
      String message =
          "{}: {} at offset {}; truncating {} bytes (unacknowledged writes cut short by a crash,"
              + " or disk corruption)";
      if (badRecordEnd >= 0 && badRecordEnd < size) {
        // Complete records after a bad one: not a torn write. Say so loudly.
        log.error(message + "; data follows the bad record", file, problem, offset, dropped);
      } else {
        log.warn(message, file, problem, offset, dropped);
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.truncate(offset);
        channel.force(true);
      }
    } else if (stream == null) {
      log.warn("{}: empty stream file (creation never completed), deleting it", file);
      Files.delete(file);
      return null;
    }
    stream.fileEnd = offset;
    return stream;
  }

  // ---------------------------------------------------------------------------------------------

  /** One queued change; the writer fills in where its record landed. */
  private static final class Op {
    static final int CREATE = 0;
    static final int UNIT = 1;
    static final int DELETE = 2;

    final Stream stream;
    final int kind;
    final @Nullable LogRecord record;
    final long unitStart;
    final boolean closes;
    final CompletableFuture<Long> future;
    long fileOffset; // writer thread only

    Op(
        Stream stream,
        int kind,
        @Nullable LogRecord record,
        long unitStart,
        boolean closes,
        CompletableFuture<Long> future) {
      this.stream = stream;
      this.kind = kind;
      this.record = record;
      this.unitStart = unitStart;
      this.closes = closes;
      this.future = future;
    }
  }

  /** One stream's file, index and state. */
  private final class Stream {
    final Path file;
    final StreamMeta created;

    // Ordered state, guarded by this.
    long orderedTail;
    boolean orderedClosed;
    final Map<String, ProducerState> producers = new LinkedHashMap<>();
    @Nullable String lastStreamSeq;
    volatile boolean deleted; // written under this; read bare when a read fails

    // Readable state, guarded by this.
    final MessageIndex index = new MessageIndex();
    boolean readableClosed;

    // Writer thread only (and recovery, before the writer starts).
    @Nullable FileChannel writeChannel;
    long fileEnd;

    // Opened lazily by readers and reopened when an interrupted reader closed it.
    private volatile @Nullable FileChannel readChannel;

    Stream(
        long number,
        StreamMeta created,
        long orderedTail,
        boolean orderedClosed,
        @Nullable String lastStreamSeq) {
      this.file = streamsDir.resolve(String.format(Locale.ROOT, "%016d.log", number));
      this.created = created;
      this.orderedTail = orderedTail;
      this.orderedClosed = orderedClosed;
      this.lastStreamSeq = lastStreamSeq;
    }

    StreamMeta meta() {
      return new StreamMeta(
          created.path(),
          created.incarnation(),
          created.contentType(),
          created.ttlSeconds(),
          created.expiresAtMillis(),
          created.keyframePolicy(),
          created.createdAtMillis(),
          index.tail(),
          readableClosed,
          lastStreamSeq);
    }

    /** Replays a record found at {@code offset} at open: both views end up the same. */
    void recover(LogRecord.Decoded record, long offset) {
      long unitEnd = index.tail();
      for (int length : record.messageLengths) unitEnd += length;
      for (int i = 0; i < record.messageLengths.length; i++) {
        index.add(record.messageLengths[i], offset + record.messageOffsets[i], unitEnd);
      }
      if (record.producer != null) producers.put(record.producer.producerId(), record.producer);
      if (record.streamSeq != null) lastStreamSeq = record.streamSeq;
      if (record.closes) readableClosed = true;
      orderedTail = index.tail();
      orderedClosed = readableClosed;
    }

    /** Makes a durable op readable, tells listeners, completes its future. Writer thread. */
    void apply(Op op) {
      long tail;
      synchronized (this) {
        if (op.kind == Op.DELETE) {
          tail = index.tail();
        } else {
          LogRecord record = requireNonNull(op.record);
          tail = op.unitStart + record.messageBytes;
          for (int i = 0; i < record.messageOffsets.length; i++) {
            index.add(record.messageLengths[i], op.fileOffset + record.messageOffsets[i], tail);
          }
          if (op.closes) readableClosed = true;
          // A deleted stream already told listeners it is gone; a late tail would revive it.
          if (!deleted && (record.messageOffsets.length > 0 || op.closes)) {
            listeners.fire(created.path(), tail, readableClosed, false);
          }
        }
      }
      op.future.complete(tail);
    }

    void openForCreate() throws IOException {
      writeChannel =
          FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      fileEnd = 0;
    }

    /** Writes all of {@code source} at the end of the file. Writer thread. */
    void write(ByteBuffer source) throws IOException {
      FileChannel channel = writeChannel;
      if (channel == null) {
        channel = FileChannel.open(file, StandardOpenOption.WRITE);
        writeChannel = channel;
      }
      while (source.hasRemaining()) fileEnd += channel.write(source, fileEnd);
    }

    void force() throws IOException {
      FileChannel channel = writeChannel;
      // fdatasync: the file's size is metadata needed to read the data, so it is included.
      if (channel != null) channel.force(false);
    }

    void closeChannels() throws IOException {
      FileChannel w = writeChannel;
      FileChannel r = readChannel;
      writeChannel = null;
      readChannel = null;
      try {
        if (w != null) w.close();
      } finally {
        if (r != null) r.close();
      }
    }

    List<byte[]> readMessages(long[] locations, int[] lengths) throws IOException {
      List<byte[]> messages = new ArrayList<>(locations.length);
      if (locations.length == 0) return messages;
      int last = locations.length - 1;
      long span = locations[last] + lengths[last] - locations[0];
      if (span <= MAX_SPAN_READ) {
        // One positional read for the page; record headers between messages are skipped here.
        ByteBuffer page = ByteBuffer.allocate((int) span);
        readFully(page, locations[0]);
        byte[] bytes = page.array();
        for (int i = 0; i < locations.length; i++) {
          int at = (int) (locations[i] - locations[0]);
          byte[] message = new byte[lengths[i]];
          System.arraycopy(bytes, at, message, 0, lengths[i]);
          messages.add(message);
        }
      } else {
        for (int i = 0; i < locations.length; i++) {
          ByteBuffer message = ByteBuffer.allocate(lengths[i]);
          readFully(message, locations[i]);
          messages.add(message.array());
        }
      }
      return messages;
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
      for (int attempt = 0; ; attempt++) {
        FileChannel channel = readChannel();
        try {
          long at = position + buffer.position();
          while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) throw new EOFException(file + " ends before " + at);
            at += n;
          }
          return;
        } catch (ClosedChannelException e) {
          // An interrupted reader closes the channel for everyone (FileChannel is
          // interruptible); reopen it for the others, but let the interrupted one fail.
          synchronized (this) {
            if (readChannel == channel) readChannel = null;
          }
          if (deleted || closed || attempt > 0 || Thread.currentThread().isInterrupted()) throw e;
        }
      }
    }

    private FileChannel readChannel() throws IOException {
      FileChannel channel = readChannel;
      if (channel != null) return channel;
      synchronized (this) {
        if (readChannel == null) {
          if (deleted) throw new NoSuchFileException(file.toString());
          readChannel = FileChannel.open(file, StandardOpenOption.READ);
        }
        return requireNonNull(readChannel);
      }
    }
  }

  private static void flush(Stream stream, ByteBuffer buffer) throws IOException {
    buffer.flip();
    stream.write(buffer);
    buffer.clear();
  }
}
