package dev.rstream.server.storage;

import static dev.rstream.server.storage.StreamTable.noSuchStream;
import static java.util.Objects.requireNonNull;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One stream of a {@link FileLogStore}: its file, the ordered state that appends are checked
 * against, the index of durable messages that readers see, and the channels to the file.
 *
 * <p>Threading: the ordered and the readable state are guarded by this object's monitor. The write
 * end ({@link #out}) belongs to the writer thread (and to recovery, before the writer starts).
 * Reads run on any thread, with positional reads on one shared read channel.
 */
final class FileStream extends StoredStream {
  /** Stream files are {@code <n>.log}, {@code n} a zero-padded store-wide counter. */
  static final Pattern FILE_NAME = Pattern.compile("(\\d{16})\\.log");

  /** Pages whose bytes span more than this on disk are read message by message. */
  private static final int MAX_SPAN_READ = 16 << 20;

  final Path file;

  // Ordered state, guarded by this: includes units still waiting for their fsync (and, from
  // StoredStream, the producers and last Stream-Seq).
  long orderedTail;
  boolean orderedClosed;

  /**
   * Set at recovery when the file is damaged past the readable tail: what to tell a client that
   * appends or reads there (the stream is fenced), or null for a sound stream.
   */
  volatile @Nullable String damage;

  // Readable state, guarded by this: durable units only.
  MessageIndex index;
  boolean readableClosed;

  /**
   * Position of the first message in the file (of its creation or {@code BASE} record), guarded by
   * this: what {@link #trim} weighs the dropped bytes from.
   */
  long fileStartPosition;

  /**
   * Counts the files the stream has had, guarded by this: a reader that looked up locations in one
   * file must not read them in the next, which compaction put in its place.
   */
  private int generation;

  // Durable state, guarded by this: what the ordered state is reset to after a failed write.
  private final Map<String, ProducerState> durableProducers = new LinkedHashMap<>();
  private @Nullable String durableStreamSeq;

  /** The end of the last durable record in the file. */
  private long durableEnd;

  /** Where the next record goes. Writer thread only (and recovery, before the writer starts). */
  final RecordOutput out;

  // Opened lazily by readers and reopened when an interrupted reader closed it.
  private volatile @Nullable FileChannel readChannel;
  private volatile boolean closed;

  FileStream(
      Path file,
      StreamMeta created,
      long orderedTail,
      boolean orderedClosed,
      @Nullable String lastStreamSeq) {
    super(created, lastStreamSeq);
    this.file = file;
    this.out = new RecordOutput(file);
    this.orderedTail = orderedTail;
    this.orderedClosed = orderedClosed;
    this.index = new MessageIndex(created.startPosition());
    this.fileStartPosition = created.startPosition();
  }

  /** The file of the stream numbered {@code number} in {@code streamsDir}. */
  static Path file(Path streamsDir, long number) {
    return streamsDir.resolve(String.format(Locale.ROOT, "%016d.log", number));
  }

  @Override
  StreamMeta meta() {
    return created.withState(index.tail(), readableClosed, lastStreamSeq, index.startPosition());
  }

  /** Replays a record found at {@code offset} at open: both views end up the same. */
  void replay(DecodedRecord record, long offset) {
    if (record.type == LogRecord.BASE) {
      for (ProducerState p : record.baseProducers) producers.put(p.producerId(), p);
    }
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
    durableProducers.clear();
    durableProducers.putAll(producers);
    durableStreamSeq = lastStreamSeq;
    durableEnd = offset + LogRecord.HEADER_SIZE + record.bodyLength;
  }

  /**
   * Reads a page of durable messages from {@code fromPosition}: the index under the monitor, the
   * bytes with one positional read without it.
   */
  ReadResult read(long fromPosition, int maxBytes)
      throws NoSuchStreamException, InvalidPositionException {
    while (true) {
      ReadResult result = readOnce(fromPosition, maxBytes);
      if (result != null) return result;
    }
  }

  /** One try of {@link #read}; null when compaction replaced the file under it. */
  private @Nullable ReadResult readOnce(long fromPosition, int maxBytes)
      throws NoSuchStreamException, InvalidPositionException {
    String path = created.path();
    long[] locations;
    int[] lengths;
    long[] unitEnds;
    long next;
    long tail;
    boolean streamClosed;
    int fileGeneration;
    synchronized (this) {
      if (deleted) throw noSuchStream(path);
      String damaged = damage;
      if (damaged != null && fromPosition >= index.tail()) {
        throw new UncheckedIOException(new StreamDamagedException(path, damaged));
      }
      int from = index.indexOf(fromPosition);
      if (from < 0) throw index.invalidPosition(path, fromPosition);
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
      streamClosed = readableClosed;
      fileGeneration = generation;
    }
    List<byte[]> messages;
    try {
      messages = readMessages(locations, lengths, fileGeneration);
    } catch (IOException e) {
      if (deleted) throw noSuchStream(path);
      if (replaced(fileGeneration)) return null;
      throw new UncheckedIOException("cannot read stream " + path + " at " + fromPosition, e);
    }
    return new ReadResult(messages, unitEnds, next, tail, streamClosed);
  }

  private synchronized boolean replaced(int fileGeneration) {
    return generation != fileGeneration;
  }

  /**
   * Drops the messages before {@code position} from what readers see ({@link LogStore#trim}).
   *
   * @return whether the bytes dropped from the file now are at least {@code minBytes} and at least
   *     those it keeps: then compaction is worth its copy
   */
  synchronized boolean trim(long position, long minBytes)
      throws NoSuchStreamException, InvalidPositionException {
    if (deleted) throw noSuchStream(created.path());
    if (position > index.startPosition()) {
      index.checkUnitStart(created.path(), position);
      index.trimTo(position);
    }
    return compactable(minBytes);
  }

  /**
   * Whether the file holds at least {@code minBytes} of dropped messages, and no fewer than kept.
   */
  synchronized boolean compactable(long minBytes) {
    long dropped = index.startPosition() - fileStartPosition;
    return damage == null
        && !deleted
        && dropped > 0
        && dropped >= minBytes
        && dropped >= index.tail() - index.startPosition();
  }

  /**
   * Puts a compacted file, already renamed over {@link #file}, in place of the old one: its first
   * message, at {@code startPosition}, sits {@code shift} bytes from where it was. Writer thread,
   * with every record of the stream written so far durable in the new file.
   */
  void replaceFile(long startPosition, long shift) throws IOException {
    FileChannel oldWrite = out.replaced(shift);
    FileChannel oldRead;
    synchronized (this) {
      index.shiftLocations(shift);
      durableEnd += shift;
      fileStartPosition = startPosition;
      generation++;
      oldRead = readChannel;
      readChannel = null;
    }
    try {
      if (oldWrite != null) oldWrite.close();
    } finally {
      // A reader in the middle of a read on it fails, sees the new generation, and reads again.
      if (oldRead != null) oldRead.close();
    }
  }

  /**
   * Makes a durable change readable and tells the listeners, then completes its future. Writer
   * thread.
   */
  void makeReadable(QueuedChange change, TailListeners listeners) {
    long tail;
    synchronized (this) {
      if (change.kind == QueuedChange.Kind.DELETE) {
        tail = index.tail();
      } else {
        LogRecord record = requireNonNull(change.record);
        tail = change.unitStart + record.messageBytes;
        for (int i = 0; i < record.messageOffsets.length; i++) {
          index.add(record.messageLengths[i], change.fileOffset + record.messageOffsets[i], tail);
        }
        if (change.closes) readableClosed = true;
        if (change.producer != null) {
          durableProducers.put(change.producer.producerId(), change.producer);
        }
        if (change.streamSeq != null) durableStreamSeq = change.streamSeq;
        durableEnd = change.fileOffset + record.bytes.length;
        // A deleted stream already told listeners it is gone; a late tail would revive it.
        if (!deleted && (record.messageOffsets.length > 0 || change.closes)) {
          listeners.fire(created.path(), tail, readableClosed, false);
        }
      }
    }
    change.future.complete(tail);
  }

  /**
   * After a failed write: cuts the file back to its last durable record and resets the ordered
   * state to the durable one. Writer thread, with nothing of this stream queued.
   */
  void resetToDurable() throws IOException {
    out.truncate(durableEnd);
    synchronized (this) {
      orderedTail = index.tail();
      orderedClosed = readableClosed;
      producers.clear();
      producers.putAll(durableProducers);
      lastStreamSeq = durableStreamSeq;
    }
  }

  /** Forgets idle producers in the ordered and the durable state. */
  synchronized void forgetProducers(java.util.Collection<String> ids) {
    producers.keySet().removeAll(ids);
    durableProducers.keySet().removeAll(ids);
  }

  /**
   * The end of the last durable record in the file: the bytes before it are forced and never
   * change, so any thread may read them.
   */
  synchronized long durableEnd() {
    return durableEnd;
  }

  /** Whether the stream's creation record reached the disk. */
  synchronized boolean createdDurably() {
    return durableEnd > 0;
  }

  /**
   * Closes both channels for good: on deletion (writer thread) or when the store closes (after the
   * writer stopped). Reads fail afterwards.
   */
  void close() throws IOException {
    closed = true;
    FileChannel r = readChannel;
    readChannel = null;
    try {
      out.close();
    } finally {
      if (r != null) r.close();
    }
  }

  private List<byte[]> readMessages(long[] locations, int[] lengths, int fileGeneration)
      throws IOException {
    List<byte[]> messages = new ArrayList<>(locations.length);
    if (locations.length == 0) return messages;
    int last = locations.length - 1;
    long span = locations[last] + lengths[last] - locations[0];
    if (span <= MAX_SPAN_READ) {
      // One positional read for the page; record headers between messages are skipped here.
      ByteBuffer page = ByteBuffer.allocate((int) span);
      readFully(page, locations[0], fileGeneration);
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
        readFully(message, locations[i], fileGeneration);
        messages.add(message.array());
      }
    }
    return messages;
  }

  private void readFully(ByteBuffer buffer, long position, int fileGeneration) throws IOException {
    for (int attempt = 0; ; attempt++) {
      FileChannel channel = readChannel(fileGeneration);
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
        if (deleted
            || closed
            || attempt > 0
            || replaced(fileGeneration)
            || Thread.currentThread().isInterrupted()) throw e;
      }
    }
  }

  private FileChannel readChannel(int fileGeneration) throws IOException {
    synchronized (this) {
      // The file at the path is another one now: the locations the caller holds are not its.
      if (generation != fileGeneration) throw new ClosedChannelException();
      if (readChannel == null) {
        if (deleted) throw new NoSuchFileException(file.toString());
        if (closed) throw new ClosedChannelException();
        readChannel = FileChannel.open(file, StandardOpenOption.READ);
      }
      return requireNonNull(readChannel);
    }
  }
}
