package dev.rstream.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A disk that fills up: with {@link #free} bytes left, a write takes what fits (a short write, as a
 * real full disk does) and the next one fails with "No space left on device". For tests in any
 * package: {@link #open} gives a durable store writing through it.
 */
public final class FullDisk implements Disk {
  private volatile long free = Long.MAX_VALUE;

  /** Leaves {@code bytes} of space; 0 fills the disk. */
  public void free(long bytes) {
    free = bytes;
  }

  /** Space returns: writes succeed again. */
  public void freeAll() {
    free = Long.MAX_VALUE;
  }

  /** A {@link FileLogStore} in {@code dir} on this disk; the caller closes it. */
  public static LogStore open(Path dir, FullDisk disk) throws IOException {
    return FileLogStore.open(dir, disk);
  }

  @Override
  public int write(FileChannel channel, ByteBuffer source, long position) throws IOException {
    long left = free;
    if (left <= 0) throw new IOException("No space left on device");
    if (left >= source.remaining()) return channel.write(source, position);
    ByteBuffer part = source.duplicate();
    part.limit(part.position() + (int) left);
    int n = channel.write(part, position);
    source.position(source.position() + n);
    free = left - n;
    return n;
  }

  @Override
  public void force(FileChannel channel) throws IOException {
    channel.force(false);
  }
}
