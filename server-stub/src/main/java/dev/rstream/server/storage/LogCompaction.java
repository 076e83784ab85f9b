package dev.rstream.server.storage;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the disk space of the messages a stream dropped ({@link LogStore#trim}) by rewriting
 * its file without them.
 *
 * <p>Why a rewrite of the one file rather than segment files: {@link FileLogStore} is one file per
 * stream throughout (recovery, torn-tail truncation, damage fencing, salvage, the group-commit
 * writer), and keeping that one shape keeps each of those as it is. The copy is bounded: the store
 * compacts only once the dropped bytes are at least the kept ones, so each byte is copied at most
 * once on average over the stream's life.
 *
 * <p>The new file is {@code <file>.compact}: a {@code BASE} record (the stream's metadata, the
 * position the file now starts at, and the producer states, {@code Stream-Seq} and closed flag the
 * dropped units committed), then the kept records byte for byte, checksums and all. It is forced,
 * then renamed over the old file in one atomic step, and the directory forced. Until the rename the
 * old file is the stream; after it the new one is; a crash in between leaves a stray {@code
 * .compact} file that recovery deletes. Nothing acknowledged is in only one of them, and no reader
 * ever sees a file half written.
 *
 * <p>Two steps on two threads, so that appends go on while the kept records are copied. {@link
 * #copy} runs on the {@link Compactor}'s thread: it copies the durable records of the old file (the
 * writer only ever appends to it, and records up to the durable end never change), catching up with
 * what the writer made durable meanwhile until less than {@link #CATCH_UP_BYTES} is left. {@link
 * Copy#switchOver} runs on the writer thread between two groups, when every record written so far
 * is durable: it copies the last records the copy has not seen, forces the new file and puts it in
 * place. Only that step holds the writer.
 */
final class LogCompaction {
  private static final Logger log = LoggerFactory.getLogger(LogCompaction.class);

  /** Suffix of a compacted file before it replaces the stream's file. */
  static final String SUFFIX = ".compact";

  /** The copy hands over to the writer once the old file has grown by less than this since. */
  static final long CATCH_UP_BYTES = 1 << 20;

  /** Catch-up rounds before the copy hands over whatever is left (appends may outrun it). */
  private static final int MAX_CATCH_UP_ROUNDS = 8;

  /** Where a test stops a compaction (to kill the process there, or append): after each step. */
  interface Hook {
    /**
     * The compactor copied the kept records durable when it started; the writer is not held.
     * Reached on the compactor's thread.
     */
    String COPYING = "copying";

    /** The new file is written and forced, not renamed yet. Reached on the writer thread. */
    String COPIED = "copied";

    /**
     * The new file replaced the old one; the directory is not forced yet. Reached on the writer
     * thread.
     */
    String RENAMED = "renamed";

    void reached(String step);

    Hook NONE = step -> {};
  }

  private LogCompaction() {}

  /**
   * Copies {@code stream}'s file without the messages before its current start into {@code
   * <file>.compact}, up to a recent durable end. Compactor thread; the writer goes on meanwhile.
   *
   * @return the copy to hand to the writer, or null when the file holds nothing dropped
   */
  static @Nullable Copy copy(FileStream stream, Hook hook) throws IOException {
    long cut;
    long durable;
    synchronized (stream) {
      if (stream.deleted || stream.damage != null) return null;
      cut = stream.index.startPosition();
      if (cut <= stream.fileStartPosition) return null;
      durable = stream.durableEnd();
    }
    Path file = stream.file;
    Dropped dropped = scan(stream, file, cut, durable);
    Path rewritten = file.resolveSibling(file.getFileName() + SUFFIX);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                rewritten,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
      byte[] base =
          LogRecord.base(
                  stream.created,
                  stream.created.incarnation(),
                  cut,
                  new ArrayList<>(dropped.producers.values()),
                  dropped.streamSeq,
                  dropped.closed,
                  java.util.List.of())
              .bytes;
      ByteBuffer buffer = ByteBuffer.wrap(base);
      while (buffer.hasRemaining()) out.write(buffer);
      Copy copy = new Copy(stream, cut, rewritten, dropped.recordOffset, base.length);
      copy.append(in, out, durable);
      hook.reached(Hook.COPYING);
      for (int round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
        long now = stream.durableEnd();
        if (now - copy.copiedEnd < CATCH_UP_BYTES) break;
        copy.append(in, out, now);
      }
      out.force(true);
      return copy;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(rewritten);
      throw e;
    }
  }

  /** A compacted file written and forced up to {@link #copiedEnd} of the old one. */
  static final class Copy {
    final FileStream stream;
    private final long cut;
    private final Path rewritten;

    /** Where the first kept record starts in the old file. */
    private final long recordOffset;

    private final long baseLength;

    /** The end, in the old file, of the records copied so far. */
    private long copiedEnd;

    private Copy(FileStream stream, long cut, Path rewritten, long recordOffset, long baseLength) {
      this.stream = stream;
      this.cut = cut;
      this.rewritten = rewritten;
      this.recordOffset = recordOffset;
      this.baseLength = baseLength;
      this.copiedEnd = recordOffset;
    }

    /** Copies the old file's records from {@link #copiedEnd} to {@code end} to the new file. */
    private void append(FileChannel in, FileChannel out, long end) throws IOException {
      long at = copiedEnd;
      while (at < end)
        at += in.transferTo(at, end - at, out.position(baseLength + at - recordOffset));
      copiedEnd = end;
    }

    /**
     * Copies what the writer made durable since the copy, forces the new file and renames it over
     * the old one. Writer thread, between two groups (every record written so far is durable).
     *
     * @return the bytes given back, or 0 when the stream was deleted or fenced meanwhile
     */
    long switchOver(Hook hook) throws IOException {
      if (stream.deleted || stream.damage != null) {
        discard();
        return 0;
      }
      Path file = stream.file;
      long end = stream.out.end();
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
          FileChannel out = FileChannel.open(rewritten, StandardOpenOption.WRITE)) {
        append(in, out, end);
        out.force(true);
      } catch (IOException | RuntimeException e) {
        discard();
        throw e;
      }
      hook.reached(Hook.COPIED);
      Files.move(
          rewritten, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // From the rename on, the new file is the stream's: appends must go there even if the
      // directory cannot be forced now.
      stream.replaceFile(cut, baseLength - recordOffset);
      hook.reached(Hook.RENAMED);
      forceDirectory(file);
      return recordOffset - baseLength;
    }

    /**
     * Deletes the new file: the old one stays the stream's. A file that cannot be deleted is logged
     * and left to recovery, which deletes it.
     */
    void discard() {
      try {
        Files.deleteIfExists(rewritten);
      } catch (IOException e) {
        log.warn("cannot delete {}; the next start deletes it", rewritten, e);
      }
    }
  }

  /** What the records before the cut committed, and where the first kept record starts. */
  private static final class Dropped {
    final Map<String, ProducerState> producers = new LinkedHashMap<>();
    @Nullable String streamSeq;
    boolean closed;
    long recordOffset;
  }

  /**
   * Reads the records before {@code cut} in order, as recovery does: their producer states and
   * where the record holding the message at {@code cut} starts.
   */
  private static Dropped scan(FileStream stream, Path file, long cut, long end) throws IOException {
    Dropped dropped = new Dropped();
    long offset = 0;
    long position = 0;
    try (InputStream raw = Channels.newInputStream(FileChannel.open(file));
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      while (offset < end) {
        if (offset > 0 && position == cut) {
          dropped.recordOffset = offset;
          return dropped;
        }
        int length = in.readInt();
        int checksum = in.readInt();
        if (length <= 0 || length > LogRecord.MAX_BODY_SIZE) throw corrupt(file, offset);
        byte[] body = new byte[length];
        in.readFully(body);
        if (LogRecord.checksum(body, 0, length) != checksum) throw corrupt(file, offset);
        DecodedRecord record;
        try {
          record = DecodedRecord.decode(body);
        } catch (CorruptRecordException e) {
          throw corrupt(file, offset);
        }
        if (record.type == LogRecord.BASE) {
          position = record.basePosition;
          for (ProducerState p : record.baseProducers) dropped.producers.put(p.producerId(), p);
        }
        if (record.producer != null)
          dropped.producers.put(record.producer.producerId(), record.producer);
        if (record.streamSeq != null) dropped.streamSeq = record.streamSeq;
        if (record.closes) dropped.closed = true;
        for (int messageLength : record.messageLengths) position += messageLength;
        offset += LogRecord.HEADER_SIZE + length;
        if (position > cut) break;
      }
    }
    if (offset == end && position == cut) {
      dropped.recordOffset = end; // every message dropped: nothing to copy
      return dropped;
    }
    throw new IOException(
        "stream "
            + stream.created.path()
            + ": no record starts at position "
            + cut
            + " in "
            + file);
  }

  private static IOException corrupt(Path file, long offset) {
    return new IOException("cannot compact " + file + ": bad record at byte " + offset);
  }

  private static void forceDirectory(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) return;
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
