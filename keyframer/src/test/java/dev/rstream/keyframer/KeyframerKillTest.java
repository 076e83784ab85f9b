package dev.rstream.keyframer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The keyframer killed with SIGKILL 10 times while a writer keeps appending: every other time right
 * after it appended a keyframe and before that keyframe's index entry, the others at a random
 * point. After each kill a fresh client's time seek equals the full replay (it trusts the stream
 * over the lagging index); at the end the stream has no duplicate keyframe and the index lists
 * every keyframe once, in order.
 */
class KeyframerKillTest {
  private static final int ROUNDS = 10;

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();

  @Test
  void killedKeyframersLeaveNoDuplicateKeyframeAndNoOutOfOrderIndexEntry() throws Exception {
    String url = server.createJsonStream("kill/orders");
    Random random = new Random(17);
    int heldKills = 0;
    // The stream's initial keyframe first, as a deployment starts its keyframer with the stream.
    try (RunningKeyframer initial =
        RunningKeyframer.start(
            Keyframer.builder(url).okHttpClient(server.http()).changes(8).build(), "initial")) {
      Poll.until(
          "the initial keyframe",
          Duration.ofSeconds(30),
          () -> StreamAudit.read(server.http(), url).index.size() == 1);
    }
    try (Writers writers =
        Writers.start(
            server.http(),
            url,
            KeyframerTest.START,
            List.of(Duration.ZERO),
            100_000,
            Duration.ofMillis(4))) {
      for (int round = 0; round < ROUNDS; round++) {
        boolean hold = round % 2 == 0;
        Process child = startChild(url, hold ? "hold" : "run");
        BlockingQueue<String> lines = lines(child);
        try {
          if (hold) {
            awaitLine(lines, "appended ");
            heldKills++;
          } else {
            awaitLine(lines, "applied ");
            Thread.sleep(random.nextInt(400)); // a random point of its work: the kill is the fault
          }
        } finally {
          child.destroyForcibly();
          assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        StreamAudit audit = StreamAudit.read(server.http(), url);
        assertThat(audit.changes).isNotEmpty();
        audit.assertKeyframesInOrder();
        assertSeekBeforeLastChange(url, audit, random);
      }
      writers.stop();
    }
    assertThat(heldKills).isEqualTo(ROUNDS / 2);
    try (RunningKeyframer last =
        RunningKeyframer.start(
            Keyframer.builder(url).okHttpClient(server.http()).changes(8).build(), "last")) {
      StreamAudit[] audit = new StreamAudit[1];
      Poll.until(
          "every keyframe indexed",
          Duration.ofSeconds(30),
          () -> {
            audit[0] = StreamAudit.read(server.http(), url);
            return audit[0].index.size() == audit[0].keyframes.size();
          });
      last.assertNotFailed();
      audit[0].assertWellFormed();
      assertThat(audit[0].keyframes).hasSizeGreaterThan(ROUNDS / 2);
      KeyframerTest.assertTimeSeekEqualsReplay(url, audit[0], new Random(23), 15);
    }
  }

  /**
   * Time seek at times strictly before the last change read: later appends cannot have an effective
   * time below it, so the replay of what was read is the whole truth there.
   */
  private static void assertSeekBeforeLastChange(String url, StreamAudit audit, Random random) {
    Instant first = audit.changes.get(0).effective();
    Instant last = audit.changes.get(audit.changes.size() - 1).effective();
    long span = Math.max(1, last.toEpochMilli() - first.toEpochMilli());
    List<Instant> times = new ArrayList<>();
    times.add(first.minusSeconds(1));
    for (int i = 0; i < 3; i++)
      times.add(first.plusMillis((long) (random.nextDouble() * (span - 1))));
    try (dev.rstream.RStreamClient client =
        dev.rstream.RStreamClient.builder().streamUrl(url).build()) {
      for (Instant time : times) {
        assertThat(
                KeyframerTest.values(
                    client.window(time).timeout(30, TimeUnit.SECONDS).blockingLast()))
            .as("state at %s", time)
            .isEqualTo(audit.replayTo("order", time));
      }
    }
  }

  private static Process startChild(String url, String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx128m",
            "-cp",
            System.getProperty("java.class.path"),
            KeyframerChild.class.getName(),
            url,
            mode)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static BlockingQueue<String> lines(Process child) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) lines.add(line);
              } catch (java.io.IOException e) {
                // The child was killed: its output ends.
              }
            },
            "child-output");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private static void awaitLine(BlockingQueue<String> lines, String prefix)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null)
        throw new AssertionError("the keyframer child printed no '" + prefix + "' line in 30 s");
      if (line.startsWith(prefix)) return;
    }
  }
}
