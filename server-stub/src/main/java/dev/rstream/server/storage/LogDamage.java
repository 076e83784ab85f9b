package dev.rstream.server.storage;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.jspecify.annotations.Nullable;

/**
 * Tells a torn tail from corruption in a stream file, and finds what is intact around damage.
 *
 * <p>A <em>torn tail</em> is what a crash leaves: the file ends inside its last record, or ends in
 * zeros (a file system that extended the file but never wrote its blocks), and nothing intact
 * follows. Records are acknowledged only once they and everything before them are durable, so a
 * torn tail was never acknowledged and may be cut. Anything else is <em>corruption</em>: a complete
 * record that fails its checksum, or a bad spot with an intact record after it. Ambiguity counts as
 * corruption: cutting acknowledged data is the one mistake recovery must not make.
 *
 * <p>Stateless; every method reads the file with positional reads and never writes.
 */
final class LogDamage {
  private static final int SCAN_WINDOW = 1 << 20;

  /** Single-bit repair is tried only on records this small, where a wrong repair is unlikely. */
  static final int MAX_REPAIRABLE_BODY = 64 << 10;

  private static final int[] CRC32C_TABLE = crcTable();

  private LogDamage() {}

  /**
   * Whether the bad spot at {@code offset} is a torn tail.
   *
   * @param incomplete the record at {@code offset} runs past the end of the file (its header or its
   *     body as its length field says)
   */
  static boolean isTornTail(FileChannel channel, long offset, long size, boolean incomplete)
      throws IOException {
    if (allZero(channel, offset, size)) return true;
    if (!incomplete) return false;
    // A damaged length field can make a complete last record look cut short.
    if (endsWithIntactBody(channel, offset, size)) return false;
    return nextIntactRecord(channel, offset + 1, size) < 0;
  }

  /**
   * The offset of the first record at or after {@code from} that is intact (complete, checksum
   * right, a well-formed unit), or -1 when there is none.
   */
  static long nextIntactRecord(FileChannel channel, long from, long size) throws IOException {
    for (long window = from; window + LogRecord.HEADER_SIZE < size; window += SCAN_WINDOW) {
      int length = (int) Math.min(SCAN_WINDOW + LogRecord.HEADER_SIZE + 1L, size - window);
      byte[] bytes = readAt(channel, window, length);
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      int last = Math.min(SCAN_WINDOW, length - LogRecord.HEADER_SIZE - 1);
      for (int i = 0; i <= last; i++) {
        long at = window + i;
        int bodyLength = buffer.getInt(i);
        if (bodyLength <= 0
            || bodyLength > LogRecord.MAX_BODY_SIZE
            || bodyLength > size - at - LogRecord.HEADER_SIZE
            || bytes[i + LogRecord.HEADER_SIZE] != LogRecord.UNIT) {
          continue;
        }
        if (intactUnitAt(channel, at, buffer.getInt(i + 4), bodyLength) != null) return at;
      }
    }
    return -1;
  }

  /** The unit record at {@code at} when its body checks out, else null. */
  static @Nullable DecodedRecord intactUnitAt(
      FileChannel channel, long at, int checksum, int bodyLength) throws IOException {
    byte[] body = readAt(channel, at + LogRecord.HEADER_SIZE, bodyLength);
    if (LogRecord.checksum(body, 0, body.length) != checksum) return null;
    try {
      DecodedRecord record = DecodedRecord.decode(body);
      return record.type == LogRecord.UNIT ? record : null;
    } catch (CorruptRecordException e) {
      return null;
    }
  }

  /**
   * A damaged record put right: the body whose checksum matches after changing one bit of the
   * record (in its length, its checksum or its body), or null when no single bit does it. A record
   * that was not damaged comes back as it is.
   */
  static byte @Nullable [] repairedBody(FileChannel channel, long at, long size)
      throws IOException {
    if (size - at < LogRecord.HEADER_SIZE) return null;
    ByteBuffer header = ByteBuffer.wrap(readAt(channel, at, LogRecord.HEADER_SIZE));
    int storedLength = header.getInt(0);
    int storedChecksum = header.getInt(4);
    long room = size - at - LogRecord.HEADER_SIZE;
    for (int bit = -1; bit < 32; bit++) {
      int length = bit < 0 ? storedLength : storedLength ^ (1 << bit);
      if (length <= 0 || length > room || length > MAX_REPAIRABLE_BODY) continue;
      byte[] body = readAt(channel, at + LogRecord.HEADER_SIZE, length);
      int actual = LogRecord.checksum(body, 0, length);
      if (actual == storedChecksum) return body;
      if (bit >= 0) continue;
      int syndrome = actual ^ storedChecksum;
      if (Integer.bitCount(syndrome) == 1 && flippedBit(body, syndrome) < 0) {
        return body; // the bit is in the stored checksum; the body is right
      }
      long flipped = flippedBit(body, syndrome);
      if (flipped >= 0) {
        body[(int) (flipped >>> 3)] ^= (byte) (1 << (flipped & 7));
        if (LogRecord.checksum(body, 0, length) == storedChecksum) return body;
      }
    }
    return null;
  }

  /**
   * The bit (byte index * 8 + bit in byte) whose flip explains {@code syndrome} (the CRC32C of the
   * damaged body xor the stored one), or -1. CRC32C is linear: a flip of bit b of byte i changes
   * the checksum by that bit pushed through the remaining bytes as zeros, which this walks
   * backwards from the last byte for each of the 8 bit positions.
   */
  static long flippedBit(byte[] body, int syndrome) {
    if (syndrome == 0) return -1;
    for (int bit = 0; bit < 8; bit++) {
      int crc = step(1 << bit);
      for (int i = body.length - 1; i >= 0; i--) {
        if (crc == syndrome) return (long) i * 8 + bit;
        crc = step(crc);
      }
    }
    return -1;
  }

  /** Reads exactly {@code length} bytes at {@code position}. */
  static byte[] readAt(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) throw new EOFException("file ends before " + at);
      at += n;
    }
    return buffer.array();
  }

  private static boolean allZero(FileChannel channel, long offset, long size) throws IOException {
    for (long at = offset; at < size; at += SCAN_WINDOW) {
      byte[] bytes = readAt(channel, at, (int) Math.min(SCAN_WINDOW, size - at));
      for (byte b : bytes) {
        if (b != 0) return false;
      }
    }
    return true;
  }

  private static boolean endsWithIntactBody(FileChannel channel, long offset, long size)
      throws IOException {
    long bodyLength = size - offset - LogRecord.HEADER_SIZE;
    if (bodyLength <= 0 || bodyLength > LogRecord.MAX_BODY_SIZE) return false;
    int checksum = ByteBuffer.wrap(readAt(channel, offset + 4, 4)).getInt();
    byte[] body = readAt(channel, offset + LogRecord.HEADER_SIZE, (int) bodyLength);
    return LogRecord.checksum(body, 0, body.length) == checksum;
  }

  /** One zero byte through the reflected CRC32C register (polynomial 0x82F63B78). */
  private static int step(int crc) {
    return (crc >>> 8) ^ CRC32C_TABLE[crc & 0xff];
  }

  private static int[] crcTable() {
    int[] table = new int[256];
    for (int n = 0; n < 256; n++) {
      int c = n;
      for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
      table[n] = c;
    }
    return table;
  }
}
