package dev.rstream.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * The write end of one stream's file: where its next record goes, and the channel it is written and
 * forced through, opened on first use.
 *
 * <p>Threading: the store's writer thread only (and recovery, before the writer starts); no lock.
 */
final class RecordOutput {
  private final Path file;
  private @Nullable FileChannel channel;
  private long end;
  private boolean createdFile;

  RecordOutput(Path file) {
    this.file = file;
  }

  /** The end of the file's last record. */
  long end() {
    return end;
  }

  /** Recovery found the file's records to end at {@code end}. */
  void recoveredTo(long end) {
    this.end = end;
  }

  /** Whether this process created the file (a failed creation deletes only what it created). */
  boolean createdFile() {
    return createdFile;
  }

  /** Creates the file, which must not exist yet. */
  void create() throws IOException {
    channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    createdFile = true;
    end = 0;
  }

  /** Writes all of {@code source} at the end of the file. */
  void write(ByteBuffer source, Disk disk) throws IOException {
    FileChannel c = channel;
    if (c == null) {
      c = FileChannel.open(file, StandardOpenOption.WRITE);
      channel = c;
    }
    while (source.hasRemaining()) end += disk.write(c, source, end);
  }

  /** Forces what was written to disk. */
  void force(Disk disk) throws IOException {
    FileChannel c = channel;
    // fdatasync: the file's size is metadata needed to read the data, so it is included.
    if (c != null) disk.force(c);
  }

  /**
   * Cuts the file back to {@code durableEnd}, the end of its last durable record, and forces it.
   */
  void truncate(long durableEnd) throws IOException {
    FileChannel c = channel;
    if (c != null) {
      c.truncate(durableEnd);
      c.force(true);
    }
    end = durableEnd;
  }

  /**
   * A compacted file was renamed over this one, its records {@code shift} bytes from where they
   * were: the next write reopens the file by its path. Returns the old file's channel, for the
   * caller to close.
   */
  @Nullable FileChannel replaced(long shift) {
    FileChannel old = channel;
    channel = null;
    end += shift;
    return old;
  }

  /** Closes the channel for good (a later write would reopen it). */
  void close() throws IOException {
    FileChannel c = channel;
    channel = null;
    if (c != null) c.close();
  }
}
