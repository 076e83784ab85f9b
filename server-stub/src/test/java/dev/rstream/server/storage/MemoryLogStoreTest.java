package dev.rstream.server.storage;

import java.nio.file.Path;

final class MemoryLogStoreTest extends LogStoreContractTest {
  @Override
  LogStore open(Path dir) {
    return new MemoryLogStore();
  }
}
