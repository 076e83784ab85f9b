package dev.rstream.server.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a process in the middle of appending: everything it acknowledged is there
 * exactly once afterwards, and the log is a clean prefix of what it wrote. Also: the directory lock
 * keeps a second process out while the child lives, and dies with it.
 */
final class FileLogStoreCrashTest {
  private static final int ROUNDS = 5;
  private static final int THREADS = 4;
  private static final int ACKS_BEFORE_KILL = 300;

  @TempDir Path dir;

  @Test
  void killNineLosesNoAcknowledgedUnitAndLeavesACleanPrefix() throws Exception {
    Path data = dir.resolve("data");
    Map<Long, Long> acked = new HashMap<>(); // unit number -> acknowledged unit end
    for (int round = 0; round < ROUNDS; round++) {
      Process child = startChild(data, round * 1_000_000L, dir.resolve("child-" + round + ".err"));
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = pump(child, lines);
      int acks = 0;
      while (acks < ACKS_BEFORE_KILL) {
        String line = lines.poll(20, TimeUnit.SECONDS);
        if (line == null || line.equals("EOF")) {
          child.destroyForcibly();
          fail(
              "child stopped acknowledging after %d acks (round %d): %s",
              acks, round, Files.readString(dir.resolve("child-" + round + ".err")));
        }
        if (record(line, acked)) acks++;
      }
      assertThat(child.isAlive()).as("child still appending when killed").isTrue();
      assertThatThrownBy(() -> FileLogStore.open(data))
          .as("the live child holds the directory lock")
          .isInstanceOf(StoreLockedException.class);
      child.destroyForcibly(); // SIGKILL on Linux
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      // Acks printed before the kill but not yet read are acknowledged all the same.
      reader.join(10_000);
      for (String line; (line = lines.poll()) != null; ) record(line, acked);

      try (LogStore store = FileLogStore.open(data)) {
        checkLog(store, acked, round);
      }
    }
  }

  private static Process startChild(Path data, long firstNumber, Path stderr) throws IOException {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    return new ProcessBuilder(
            java,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            CrashingAppender.class.getName(),
            data.toString(),
            Long.toString(firstNumber),
            Integer.toString(THREADS))
        .redirectError(stderr.toFile())
        .start();
  }

  private static Thread pump(Process child, BlockingQueue<String> lines) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) lines.add(line);
              } catch (IOException e) {
                // The pipe breaks when the child dies; what was read is in the queue.
              }
              lines.add("EOF");
            },
            "child-stdout");
    reader.start();
    return reader;
  }

  private static boolean record(String line, Map<Long, Long> acked) {
    if (!line.startsWith("ack ")) return false;
    String[] parts = line.split(" ");
    assertThat(acked.put(Long.parseLong(parts[1]), Long.parseLong(parts[2])))
        .as("unit acknowledged twice: %s", line)
        .isNull();
    return true;
  }

  /**
   * Reads the whole stream: every unit whole, numbered once, at the position its ack said; every
   * acknowledged unit present; producer states matching the last unit of each producer.
   */
  private static void checkLog(LogStore store, Map<Long, Long> acked, int round) throws Exception {
    Map<Long, Long> found = new HashMap<>();
    Map<String, Long> lastSeqInLog = new HashMap<>();
    Set<String> seenSeq = new HashSet<>();
    long position = 0;
    String pendingUnit = null;
    int pendingParts = 0;
    int nextPart = 0;
    while (true) {
      ReadResult page = store.read(CrashingAppender.STREAM, position, 1 << 16);
      List<byte[]> messages = page.messages();
      for (int i = 0; i < messages.size(); i++) {
        String message = new String(messages.get(i), UTF_8);
        String[] f = message.split("[:/]");
        assertThat(f).as("round %d: malformed message %s", round, message).hasSize(5);
        long n = Long.parseLong(f[0]);
        int part = Integer.parseInt(f[3]);
        int parts = Integer.parseInt(f[4]);
        String unit = f[0] + ":" + f[1] + ":" + f[2];
        if (nextPart == 0) {
          assertThat(part).as("round %d: unit %s starts mid-way", round, unit).isZero();
          assertThat(found.put(n, page.unitEndPositions()[i]))
              .as("round %d: unit %d appears twice", round, n)
              .isNull();
          assertThat(seenSeq.add(f[1] + ":" + f[2]))
              .as("round %d: producer t%s seq %s twice", round, f[1], f[2])
              .isTrue();
          lastSeqInLog.merge("t" + f[1], Long.parseLong(f[2]), Math::max);
          pendingUnit = unit;
          pendingParts = parts;
        } else {
          assertThat(unit)
              .as("round %d: unit %s interleaved", round, pendingUnit)
              .isEqualTo(pendingUnit);
          assertThat(part).isEqualTo(nextPart);
          assertThat(page.unitEndPositions()[i]).isEqualTo(found.get(n));
        }
        nextPart = part + 1 == pendingParts ? 0 : part + 1;
      }
      position = page.nextPosition();
      if (page.upToDate()) break;
    }
    assertThat(nextPart).as("round %d: last unit cut short", round).isZero();
    for (Map.Entry<Long, Long> ack : acked.entrySet()) {
      assertThat(found.get(ack.getKey()))
          .as("round %d: acknowledged unit %d", round, ack.getKey())
          .isEqualTo(ack.getValue());
    }
    for (ProducerState producer : store.producers(CrashingAppender.STREAM)) {
      assertThat(producer.lastSeq())
          .as("round %d: producer %s", round, producer.producerId())
          .isEqualTo(lastSeqInLog.get(producer.producerId()));
    }
    assertThat(store.producers(CrashingAppender.STREAM)).hasSize(lastSeqInLog.size());
  }
}
