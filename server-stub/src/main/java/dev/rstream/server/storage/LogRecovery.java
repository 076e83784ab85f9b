package dev.rstream.server.storage;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a {@link FileLogStore}'s streams from their files when it opens (the recovery contract
 * is {@link FileLogStore}'s): checks each record's checksum, replays it into the stream's index,
 * producer states and metadata, truncates a torn tail ({@link LogDamage}) and fences a stream at
 * corruption without cutting anything. Runs on the opening thread, before the writer starts.
 */
final class LogRecovery {
  private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);

  /** Where {@link LogSalvage} keeps damaged originals, next to the streams directory. */
  static final String DAMAGED_DIR = "damaged";

  private static final String SALVAGE_FLAG = FileLogStore.SALVAGE_FLAG;

  private LogRecovery() {}

  /**
   * Loads every stream file in {@code streamsDir} into {@code streams}, keyed by path. With {@code
   * salvage}, each damaged file is first rewritten with its intact records under a new incarnation,
   * its original moved to {@code damaged/} next to {@code streamsDir}.
   *
   * @return the highest file number seen (0 when none), so that new files never reuse one
   */
  static long recover(Path streamsDir, Map<String, FileStream> streams, boolean salvage)
      throws IOException {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(streamsDir)) {
      for (Path file : entries) {
        Matcher m = FileStream.FILE_NAME.matcher(file.getFileName().toString());
        if (m.matches() && Files.isRegularFile(file)) {
          files.put(Long.parseLong(m.group(1)), file);
        } else if (file.getFileName().toString().endsWith(LogCompaction.SUFFIX)) {
          // A compaction cut short before its rename: the stream's own file is whole.
          log.warn("deleting {}, left by a compaction that did not finish", file);
          Files.delete(file);
        } else {
          log.warn("ignoring unexpected file {} in the log directory", file);
        }
      }
    }
    long maxNumber = 0;
    for (Map.Entry<Long, Path> entry : files.entrySet()) {
      maxNumber = entry.getKey();
      Path file = entry.getValue();
      FileStream stream = recoverStream(file);
      if (salvage && (stream == null ? Files.exists(file) : stream.damage != null)) {
        LogSalvage.salvage(file, streamsDir.resolveSibling(DAMAGED_DIR));
        stream = Files.exists(file) ? recoverStream(file) : null;
      }
      if (stream == null) continue;
      FileStream older = streams.get(stream.created.path());
      if (older == null) {
        streams.put(stream.created.path(), stream);
      } else if (older.damage != null || stream.damage != null) {
        // Never delete data because of damage: serve the intact one, leave the other in place.
        FileStream kept = older.damage != null ? stream : older;
        FileStream left = kept == older ? stream : older;
        streams.put(stream.created.path(), kept);
        log.error(
            "stream {} is in both {} and {}; serving {}, leaving the damaged {} untouched",
            stream.created.path(),
            older.file,
            stream.file,
            kept.file,
            left.file);
      } else {
        // A delete and a re-create of one path can reach the disk in either order when the
        // process dies between them; the later file is the later creation.
        streams.put(stream.created.path(), stream);
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

  /** Reads one stream file; null when it held no acknowledged stream or cannot be served. */
  private static @Nullable FileStream recoverStream(Path file) throws IOException {
    long size = Files.size(file);
    FileStream stream = null;
    long offset = 0;
    String problem = null;
    boolean incomplete = false; // the bad record runs past the end of the file
    try (InputStream in = Files.newInputStream(file);
        DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16))) {
      while (offset < size) {
        if (size - offset < LogRecord.HEADER_SIZE) {
          problem = "torn record header";
          incomplete = true;
          break;
        }
        int length = data.readInt();
        int checksum = data.readInt();
        if (length > 0 && length > size - offset - LogRecord.HEADER_SIZE) {
          problem = "torn record (" + length + " byte body, file ends first)";
          incomplete = true;
          break;
        }
        if (length <= 0 || length > LogRecord.MAX_BODY_SIZE) {
          problem = "bad record length " + length;
          break;
        }
        byte[] body = new byte[length];
        data.readFully(body);
        if (LogRecord.checksum(body, 0, length) != checksum) {
          problem = "checksum mismatch";
          break;
        }
        DecodedRecord record;
        try {
          record = DecodedRecord.decode(body);
        } catch (CorruptRecordException e) {
          problem = e.getMessage();
          break;
        }
        if (stream == null) {
          if (record.type != LogRecord.CREATE && record.type != LogRecord.BASE) {
            problem = "first record is not a creation";
            break;
          }
          StreamMeta meta = requireNonNull(record.meta);
          stream = new FileStream(file, meta, 0, false, null);
          stream.out.recoveredTo(0);
        } else if (record.type != LogRecord.UNIT) {
          problem = "second creation record";
          break;
        }
        stream.replay(record, offset);
        offset += LogRecord.HEADER_SIZE + length;
      }
    } catch (EOFException e) {
      problem = "file ends early";
      incomplete = true;
    }
    if (problem == null) {
      if (stream == null) {
        log.warn("{}: empty stream file (creation never completed), deleting it", file);
        Files.delete(file);
        return null;
      }
      stream.out.recoveredTo(offset);
      return stream;
    }
    boolean torn;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      torn = LogDamage.isTornTail(channel, offset, size, incomplete);
      if (!torn) return damaged(file, channel, size, stream, offset, problem);
    }
    long dropped = size - offset;
    if (stream == null) {
      log.warn(
          "{}: {} at offset {}; the creation was torn by a crash before it was acknowledged,"
              + " deleting the file",
          file,
          problem,
          offset);
      Files.delete(file);
      return null;
    }
    log.warn(
        "{}: {} at offset {}; truncating a torn tail of {} bytes (a write cut short by a crash,"
            + " never acknowledged)",
        file,
        problem,
        offset,
        dropped);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(offset);
      channel.force(true);
    }
    stream.out.recoveredTo(offset);
    return stream;
  }

  /**
   * A file damaged at {@code offset} with data after the damage: nothing is cut. The stream is
   * served up to the damage and fenced from there; null when its creation record is beyond repair
   * (the path is unknown, so nothing can be served; the file stays where it is).
   */
  private static @Nullable FileStream damaged(
      Path file,
      FileChannel channel,
      long size,
      @Nullable FileStream stream,
      long offset,
      String problem)
      throws IOException {
    if (stream == null) {
      byte[] body = LogDamage.repairedBody(channel, 0, size);
      StreamMeta meta = body == null ? null : creationMeta(body);
      if (meta == null) {
        log.error(
            "{}: the creation record is damaged ({}) beyond repair; the file is kept, its stream"
                + " cannot be served. Restore the file from a backup, or start with {} to move it"
                + " to the damaged directory",
            file,
            problem,
            SALVAGE_FLAG);
        return null;
      }
      stream = new FileStream(file, meta, 0, false, null);
    }
    stream.out.recoveredTo(size);
    stream.damage =
        "stream "
            + stream.created.path()
            + " is damaged on disk ("
            + problem
            + " at byte "
            + offset
            + " of "
            + file
            + "): it is readable up to position "
            + stream.index.tail()
            + " and refuses the rest. An operator restores the file from a backup, or restarts"
            + " the server with "
            + SALVAGE_FLAG
            + " to keep every intact record under a new incarnation";
    log.error("{}", stream.damage);
    return stream;
  }

  private static @Nullable StreamMeta creationMeta(byte[] body) {
    try {
      DecodedRecord record = DecodedRecord.decode(body);
      return record.type != LogRecord.UNIT ? record.meta : null;
    } catch (CorruptRecordException e) {
      return null;
    }
  }
}
