package dev.rstream.server.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link LogStore} opened on a fresh directory before each test and closed after it: a subclass
 * says how to open one. Tests may close {@link #store} and assign a new one; the last is closed.
 */
abstract class LogStoreFixture {
  @TempDir Path dir;
  LogStore store;

  /** Opens a store in {@code dir}; called once per test, and again by reopen tests. */
  abstract LogStore open(Path dir) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = open(dir);
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }

  /** Closes the store and opens {@code dir} again, as a restart does. */
  LogStore reopen() throws Exception {
    store.close();
    store = open(dir);
    return store;
  }

  static StreamMeta meta(String path) {
    return new StreamMeta(
        path, 0, "application/json", 60L, null, "every=100", 1234L, 0, false, null);
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  static List<byte[]> messages(String... s) {
    List<byte[]> result = new ArrayList<>();
    for (String m : s) result.add(bytes(m));
    return result;
  }

  static List<String> strings(ReadResult result) {
    List<String> out = new ArrayList<>();
    for (byte[] m : result.messages()) out.add(new String(m, UTF_8));
    return out;
  }

  static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  /** Every message of {@code path}, read page by page from the start to the tail. */
  static List<String> readAll(LogStore store, String path) throws Exception {
    List<String> all = new ArrayList<>();
    long position = 0;
    while (true) {
      ReadResult page = store.read(path, position, 1 << 16);
      all.addAll(strings(page));
      position = page.nextPosition();
      if (page.upToDate()) return all;
    }
  }

  long append(String path, String... messages) throws Exception {
    return await(store.append(path, messages(messages), null, false));
  }
}
