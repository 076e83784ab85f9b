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
 * <p>Runs on the writer thread between two groups, so every record written so far is durable and no
 * record is written meanwhile: appends to every stream wait for the copy. That is the price of not
 * copying a tail twice; compaction is rare (see above).
 */
final class LogCompaction {
  /** Suffix of a compacted file before it replaces the stream's file. */
  static final String SUFFIX = ".compact";

  /** Where a test stops a compaction (to kill the process there): after each step. */
  interface Hook {
    /** The new file is written and forced, not renamed yet. */
    String COPIED = "copied";

    /** The new file replaced the old one; the directory is not forced yet. */
    String RENAMED = "renamed";

    void reached(String step);

    Hook NONE = step -> {};
  }

  private LogCompaction() {}

  /**
   * Rewrites {@code stream}'s file without the messages before its current start. Writer thread.
   *
   * @return the bytes given back (0 when nothing was dropped from the file)
   */
  static long compact(FileStream stream, Hook hook) throws IOException {
    long cut;
    synchronized (stream) {
      if (stream.deleted || stream.damage != null) return 0;
      cut = stream.index.startPosition();
      if (cut <= stream.fileStartPosition) return 0;
    }
    long end = stream.fileEnd();
    Path file = stream.file;
    Dropped dropped = scan(stream, file, cut, end);
    Path rewritten = file.resolveSibling(file.getFileName() + SUFFIX);
    long baseLength;
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
      baseLength = base.length;
      long at = dropped.recordOffset;
      while (at < end) at += in.transferTo(at, end - at, out);
      out.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(rewritten);
      throw e;
    }
    hook.reached(Hook.COPIED);
    Files.move(
        rewritten, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // From the rename on, the new file is the stream's: appends must go there even if the
    // directory cannot be forced now.
    stream.replaceFile(cut, baseLength - dropped.recordOffset);
    hook.reached(Hook.RENAMED);
    forceDirectory(file);
    return dropped.recordOffset - baseLength;
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
        LogRecord.Decoded record;
        try {
          record = LogRecord.decode(body);
        } catch (LogRecord.CorruptRecordException e) {
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
