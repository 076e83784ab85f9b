package dev.rstream.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * How the writer thread puts records in a stream file and forces them: the real disk, or in tests
 * one that fills up. Called on the writer thread only.
 */
interface Disk {
  /** The file system as it is. */
  Disk REAL =
      new Disk() {
        @Override
        public int write(FileChannel channel, ByteBuffer source, long position) throws IOException {
          return channel.write(source, position);
        }

        @Override
        public void force(FileChannel channel) throws IOException {
          channel.force(false);
        }
      };

  /**
   * Writes some of {@code source} at {@code position}, like {@link FileChannel#write(ByteBuffer,
   * long)}.
   */
  int write(FileChannel channel, ByteBuffer source, long position) throws IOException;

  /** Forces the file's data (and the size needed to read it) to the device. */
  void force(FileChannel channel) throws IOException;
}
