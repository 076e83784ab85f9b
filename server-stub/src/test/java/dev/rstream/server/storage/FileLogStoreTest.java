package dev.rstream.server.storage;

import java.nio.file.Path;

/**
 * The {@link LogStore} contract over {@link FileLogStore}; what only a store in files does is in
 * the other {@code FileLogStore*Test} classes.
 */
final class FileLogStoreTest extends LogStoreContractTest {
  @Override
  LogStore open(Path dir) throws Exception {
    return FileLogStore.open(dir);
  }
}
