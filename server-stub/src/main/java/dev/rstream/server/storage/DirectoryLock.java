package dev.rstream.server.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The OS file lock on {@code <dir>/lock} that keeps a data directory to one open {@link
 * FileLogStore}, in this process or another. Held from {@link #acquire} to {@link #close}.
 */
final class DirectoryLock implements Closeable {
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dir}, which must exist; never waits for it.
   *
   * @throws StoreLockedException when another store, in this process or another, holds it
   * @throws IOException when the lock file cannot be opened or locked
   */
  static DirectoryLock acquire(Path dir) throws IOException {
    Path lockFile = dir.resolve("lock");
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new StoreLockedException(
          "data directory "
              + dir.toAbsolutePath()
              + " is already open ("
              + lockFile
              + " is locked by this or another process)");
    }
    return new DirectoryLock(channel, lock);
  }

  /** Releases the lock and closes its file. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
