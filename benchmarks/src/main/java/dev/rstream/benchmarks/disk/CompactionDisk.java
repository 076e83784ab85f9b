package dev.rstream.benchmarks.disk;

import dev.rstream.server.storage.FileLogStore;
import dev.rstream.server.storage.StreamMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Disk before and after compaction: a stream of {@code --messages} messages (about 100 bytes each,
 * appended {@code --unit} to a unit) in server-stub's durable store, trimmed to its last {@code
 * --keep} percent as retention would, then compacted. Prints the stream file's size before and
 * after, and how long the compaction took. Run from the repository root:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.rstream.benchmarks.disk.CompactionDisk \
 *   --messages 1000000 --unit 100 --keep 10
 * </pre>
 */
public final class CompactionDisk {
  private CompactionDisk() {}

  public static void main(String[] args) throws Exception {
    int messages = 1_000_000;
    int unit = 100;
    int keep = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--messages" -> messages = Integer.parseInt(args[++i]);
        case "--unit" -> unit = Integer.parseInt(args[++i]);
        case "--keep" -> keep = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("rstream-compaction");
    try (FileLogStore store = FileLogStore.open(dir)) {
      String path = "bench/orders";
      create(store, path);
      List<Long> unitEnds = fill(store, path, messages, unit);
      int units = unitEnds.size();
      Path file = streamFile(dir);
      long before = Files.size(file);
      long cut = unitEnds.get(units - 1 - units * keep / 100);
      long start = System.nanoTime();
      // The trim queues the compaction itself (it drops more than it keeps); compact() completes
      // once that one has run.
      store.trim(path, cut);
      store.compact(path).get(600, TimeUnit.SECONDS);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      long after = Files.size(file);
      System.out.printf(
          Locale.ROOT,
          "messages=%d unit=%d keep=%d%%: before %.1f MB, after %.1f MB (%.1f%%), given back %.1f"
              + " MB, trim and compaction %d ms%n",
          messages,
          unit,
          keep,
          before / 1e6,
          after / 1e6,
          100.0 * after / before,
          (before - after) / 1e6,
          millis);
    } finally {
      deleteTree(dir);
    }
  }

  /** Creates an empty JSON stream at {@code path}. */
  static void create(FileLogStore store, String path) throws Exception {
    store
        .create(
            new StreamMeta(path, 0, "application/json", null, null, null, 0, 0, false, null),
            List.of())
        .get(60, TimeUnit.SECONDS);
  }

  /** Appends {@code messages} messages, {@code unit} to a unit; returns each unit's end. */
  static List<Long> fill(FileLogStore store, String path, int messages, int unit) throws Exception {
    int units = messages / unit;
    List<Long> unitEnds = new ArrayList<>(units);
    for (int u = 0; u < units; u++) {
      List<byte[]> batch = new ArrayList<>(unit);
      for (int m = 0; m < unit; m++) batch.add(message(u * unit + m));
      unitEnds.add(store.append(path, batch, null, false).get(60, TimeUnit.SECONDS));
    }
    return unitEnds;
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  /** A state-protocol change of about 100 bytes. */
  static byte[] message(int n) {
    String json =
        String.format(
            Locale.ROOT,
            "{\"type\":\"order\",\"key\":\"o-%d\",\"value\":{\"qty\":%d,\"px\":%d.25},"
                + "\"headers\":{\"operation\":\"update\"}}",
            n % 10_000,
            n % 97,
            n % 1000);
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static Path streamFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("streams"))) {
      return files.findFirst().orElseThrow();
    }
  }
}
