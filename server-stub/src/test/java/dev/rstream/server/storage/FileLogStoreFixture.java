package dev.rstream.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A {@link FileLogStore} on a fresh directory per test, with access to its stream files. */
abstract class FileLogStoreFixture extends LogStoreFixture {
  @Override
  LogStore open(Path dir) throws Exception {
    return FileLogStore.open(dir);
  }

  /** The one stream file in the store's directory; fails the test if there are more or none. */
  Path onlyStreamFile() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("streams"))) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  /** Creates {@code path}, the store's only stream, holding {@code messages}; returns its file. */
  Path createOnlyStream(String path, String... messages) throws Exception {
    await(store.create(meta(path), messages(messages)));
    return onlyStreamFile();
  }

  /**
   * Closes the store and opens {@code dir} again with {@code group} run before each write group.
   */
  FileLogStore reopenHolding(HeldGroup group) throws Exception {
    store.close();
    FileLogStore held = FileLogStore.open(dir, group);
    store = held;
    return held;
  }
}
