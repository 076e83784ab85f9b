package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.ChildJvm;
import dev.rstream.testing.StubServerExtension;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app process killed ({@code kill -9}) while its outbox is being written or sent: after a
 * restart on the same store, the server's log holds every change appended exactly once, in append
 * order. The server keeps its log on disk, so it can be stopped (the app is offline) and started
 * again on the same port. The flush test appends 1,000 changes offline once, then kills 20
 * successive app processes, each at a random point of the flush it resumed, and checks after each
 * kill that the server holds a prefix of the appends with no duplicate.
 */
class OutboxKillTest {
  private static final int ROUNDS = 20;
  private static final int CHANGES = 1000;

  @TempDir Path dir;

  @RegisterExtension
  final StubServerExtension server =
      StubServerExtension.configured(builder -> builder.dataDir(dir.resolve("server")));

  @Test
  void killedAtRandomPointsDuringTheFlushOfAnOfflineOutboxEveryChangeLandsOnceInOrder()
      throws Exception {
    String url = server.createStateStream("outbox/flush", "changes=100000, interval=3600s");
    File storeFile = dir.resolve("app.db").toFile();
    server.stop();
    Child offline = new Child(url, storeFile, "flush", CHANGES);
    offline.await("appended");
    server.startAgain();
    offline.say("online");
    Random random = new Random(17);
    int killedMidFlush = 0;
    Child child = offline;
    for (int round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        // Restarted: its client sends what the outbox holds.
        child = new Child(url, storeFile, "flush", 0);
        child.await("appended");
      }
      // A random point of the flush: once this child's outbox has shrunk by 1 to 20 changes it
      // dies, wherever its next send then is (before it, in flight, or acknowledged but not yet
      // recorded). The rounds take a few hundred of the 1,000 changes, so the kills fall inside
      // the flush, not after it.
      int start = child.awaitLeft(size -> true);
      int target = Math.max(0, start - 1 - random.nextInt(20));
      child.awaitLeft(size -> size <= target);
      child.kill();
      List<String> log = ServerLog.values(server.http(), url);
      assertThat(log)
          .as("round %s: what reached the server is the outbox's first changes, each once", round)
          .isEqualTo(ServerLog.numbered(0, log.size()));
      if (log.size() > 0 && log.size() < CHANGES) killedMidFlush++;
    }
    restartAndFlush(url, storeFile);
    assertThat(ServerLog.values(server.http(), url))
        .as("every change once, in append order")
        .isEqualTo(ServerLog.numbered(0, CHANGES));
    assertThat(killedMidFlush).as("rounds killed inside the flush").isGreaterThan(ROUNDS / 2);
  }

  @Test
  void killedBetweenWritingTheOutboxAndReturningFromAppendTheChangeIsSentOnce() throws Exception {
    String url = server.createStateStream("outbox/written", "changes=100000, interval=3600s");
    File storeFile = dir.resolve("written.db").toFile();
    Child child = new Child(url, storeFile, "hang-after-write", 20);
    child.await("written");
    child.kill();
    restartAndFlush(url, storeFile);
    assertThat(ServerLog.values(server.http(), url)).isEqualTo(ServerLog.numbered(0, 20));
  }

  @Test
  void killedBetweenTheServersAcknowledgementAndTheOutboxUpdateTheResendIsADuplicate()
      throws Exception {
    String url = server.createStateStream("outbox/acked", "changes=100000, interval=3600s");
    File storeFile = dir.resolve("acked.db").toFile();
    Child child = new Child(url, storeFile, "hang-before-ack", 20);
    child.await("acked");
    child.kill();
    assertThat(ServerLog.values(server.http(), url))
        .as("the server applied the first append")
        .isEqualTo(ServerLog.numbered(0, 1));
    try (SqliteStore store = SqliteStore.open(storeFile)) {
      assertThat(store.outbox(url)).as("the store never heard of it").hasSize(20);
    }
    restartAndFlush(url, storeFile);
    assertThat(ServerLog.values(server.http(), url)).isEqualTo(ServerLog.numbered(0, 20));
  }

  /** The app started again on the store: its client sends the outbox until it is empty. */
  private void restartAndFlush(String url, File storeFile) throws Exception {
    try (SqliteStore store = SqliteStore.open(storeFile)) {
      RStreamClient client =
          RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).store(store).build();
      try {
        long deadline = System.nanoTime() + SECONDS.toNanos(30);
        while (!store.outbox(url).isEmpty()) {
          assertThat(System.nanoTime()).as("outbox sent within 30 s").isLessThan(deadline);
          Thread.sleep(10);
        }
      } finally {
        client.close();
      }
    }
  }

  /** An {@link OutboxCrashChild} process and the lines it prints. */
  private static final class Child {
    private final ChildJvm jvm;

    Child(String url, File storeFile, String mode, int count) throws Exception {
      jvm =
          ChildJvm.start(
              OutboxCrashChild.class, url, storeFile.getPath(), mode, Integer.toString(count));
    }

    void await(String expected) throws Exception {
      String line = jvm.awaitLine(expected::equals, 30, SECONDS);
      assertThat(line).as("child output %s", jvm.output()).isEqualTo(expected);
    }

    /** Reads the child's outbox sizes ({@code left n}) until one that {@code until} accepts. */
    int awaitLeft(IntPredicate until) throws Exception {
      String line = jvm.awaitLine(l -> l.startsWith("left ") && until.test(size(l)), 30, SECONDS);
      assertThat(line).as("child output: the size of its outbox").isNotNull();
      return size(line);
    }

    private static int size(String line) {
      return Integer.parseInt(line.substring("left ".length()));
    }

    void say(String line) throws Exception {
      OutputStream out = jvm.process().getOutputStream();
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    void kill() throws Exception {
      jvm.kill();
      assertThat(jvm.process().isAlive()).isFalse();
    }
  }
}
