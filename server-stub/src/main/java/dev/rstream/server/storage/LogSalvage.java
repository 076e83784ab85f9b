package dev.rstream.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's way out of a damaged stream file ({@link FileLogStore#SALVAGE_FLAG}): rewrites the
 * file with every intact record (and every record a single-bit repair puts right), skipping only
 * what is beyond repair, under a new incarnation so that offsets handed out before answer 410
 * instead of pointing at other messages. The original is kept, byte for byte, in the damaged
 * directory. A file whose creation record is beyond repair is moved there whole.
 *
 * <p>Crash-safe: the rewrite goes to a temporary file that replaces the original with an atomic
 * rename only after it and the kept copy are durable. Runs at open, before the writer starts.
 */
final class LogSalvage {
  private static final Logger log = LoggerFactory.getLogger(LogSalvage.class);

  private LogSalvage() {}

  static void salvage(Path file, Path damagedDir) throws IOException {
    Files.createDirectories(damagedDir);
    Path aside = uniqueName(damagedDir, file.getFileName().toString());
    Path rewritten = file.resolveSibling(file.getFileName() + ".salvage");
    boolean rewrote;
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      rewrote = rewrite(file, in, Files.size(file), rewritten);
    }
    if (!rewrote) {
      Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
      force(damagedDir);
      force(directoryOf(file));
      log.error("{}: creation record beyond repair; moved the file to {}", file, aside);
      return;
    }
    Files.copy(file, aside);
    try (FileChannel copy = FileChannel.open(aside, StandardOpenOption.WRITE)) {
      copy.force(true);
    }
    force(damagedDir);
    Files.move(
        rewritten, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    force(directoryOf(file));
    log.warn("{}: salvaged under a new incarnation; the damaged original is in {}", file, aside);
  }

  private static Path directoryOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    if (parent == null)
      throw new IllegalArgumentException("a stream file has a directory: " + file);
    return parent;
  }

  /** Writes the salvaged stream to {@code out}; false when the creation is beyond repair. */
  private static boolean rewrite(Path file, FileChannel in, long size, Path out)
      throws IOException {
    byte[] creationBody = LogDamage.repairedBody(in, 0, size);
    if (creationBody == null) return false;
    DecodedRecord creation = decode(creationBody);
    if (creation == null || creation.type == LogRecord.UNIT || creation.meta == null) {
      return false;
    }
    StreamMeta old = creation.meta;
    long incarnation = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    StreamMeta meta =
        new StreamMeta(
            old.path(),
            incarnation,
            old.contentType(),
            old.ttlSeconds(),
            old.expiresAtMillis(),
            old.keyframePolicy(),
            old.createdAtMillis(),
            0,
            creation.closes,
            creation.streamSeq,
            old.retention(),
            0);
    try (FileChannel target =
        FileChannel.open(
            out,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      List<byte[]> initial = messages(creation, creationBody);
      LogRecord first =
          creation.type == LogRecord.BASE
              ? LogRecord.base(
                  meta,
                  incarnation,
                  creation.basePosition,
                  creation.baseProducers,
                  creation.streamSeq,
                  creation.closes,
                  initial)
              : LogRecord.create(meta, incarnation, initial);
      writeFully(target, first.bytes);
      long at = LogRecord.HEADER_SIZE + (long) creationBody.length;
      while (at + LogRecord.HEADER_SIZE <= size) {
        ByteBuffer header = ByteBuffer.wrap(LogDamage.readAt(in, at, LogRecord.HEADER_SIZE));
        int length = header.getInt(0);
        if (length > 0
            && length <= size - at - LogRecord.HEADER_SIZE
            && LogDamage.intactUnitAt(in, at, header.getInt(4), length) != null) {
          writeFully(target, LogDamage.readAt(in, at, LogRecord.HEADER_SIZE + length));
          at += LogRecord.HEADER_SIZE + length;
          continue;
        }
        byte[] repaired = LogDamage.repairedBody(in, at, size);
        DecodedRecord unit = repaired == null ? null : decode(repaired);
        if (repaired != null && unit != null && unit.type == LogRecord.UNIT) {
          log.warn("{}: repaired a one-bit error in the record at byte {}", file, at);
          writeFully(target, record(repaired));
          at += LogRecord.HEADER_SIZE + repaired.length;
          continue;
        }
        long next = LogDamage.nextIntactRecord(in, at + 1, size);
        log.error(
            "{}: dropping bytes {} to {}, damaged beyond repair", file, at, next < 0 ? size : next);
        if (next < 0) break;
        at = next;
      }
      target.force(true);
    }
    return true;
  }

  private static List<byte[]> messages(DecodedRecord record, byte[] body) {
    List<byte[]> messages = new ArrayList<>();
    for (int i = 0; i < record.messageOffsets.length; i++) {
      int from = record.messageOffsets[i] - LogRecord.HEADER_SIZE;
      byte[] message = new byte[record.messageLengths[i]];
      System.arraycopy(body, from, message, 0, message.length);
      messages.add(message);
    }
    return messages;
  }

  private static byte[] record(byte[] body) {
    ByteBuffer record = ByteBuffer.allocate(LogRecord.HEADER_SIZE + body.length);
    record.putInt(body.length);
    record.putInt(LogRecord.checksum(body, 0, body.length));
    record.put(body);
    return record.array();
  }

  private static @org.jspecify.annotations.Nullable DecodedRecord decode(byte[] body) {
    try {
      return DecodedRecord.decode(body);
    } catch (CorruptRecordException e) {
      return null;
    }
  }

  private static void writeFully(FileChannel target, byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) target.write(buffer);
  }

  private static Path uniqueName(Path dir, String name) {
    Path candidate = dir.resolve(name);
    for (int i = 1; Files.exists(candidate); i++) candidate = dir.resolve(name + "." + i);
    return candidate;
  }

  private static void force(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
