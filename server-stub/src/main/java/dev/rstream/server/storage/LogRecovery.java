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
 * producer states and metadata, and truncates a file at its first torn or corrupt record. Runs on
 * the opening thread, before the writer starts.
 */
final class LogRecovery {
  private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);

  private LogRecovery() {}

  /**
   * Loads every stream file in {@code streamsDir} into {@code streams}, keyed by path.
   *
   * @return the highest file number seen (0 when none), so that new files never reuse one
   */
  static long recover(Path streamsDir, Map<String, FileStream> streams) throws IOException {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(streamsDir)) {
      for (Path file : entries) {
        Matcher m = FileStream.FILE_NAME.matcher(file.getFileName().toString());
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
      FileStream stream = recoverStream(entry.getValue());
      if (stream == null) continue;
      FileStream older = streams.put(stream.created.path(), stream);
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

  /** Reads one stream file; null when it held no acknowledged stream (and is deleted). */
  private static @Nullable FileStream recoverStream(Path file) throws IOException {
    long size = Files.size(file);
    FileStream stream = null;
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
          stream = new FileStream(file, meta, 0, false, null);
          stream.fileEnd = 0;
        } else if (record.type != LogRecord.UNIT) {
          problem = "second creation record";
          break;
        }
        stream.replay(record, offset);
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
}
