package dev.rstream.server.storage;

import dev.rstream.server.StubServer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The server {@link CompactionKillTest} kills: server-stub on a durable store that compacts after
 * every trim that drops at least what it keeps, and that stops for good at one step of a compaction
 * (args[1]: {@code copied} or {@code renamed}, or none), after printing {@code COMPACTION <step>},
 * so that the test kills it exactly there. Prints its base URL first.
 */
public final class CompactionKillServer {
  private CompactionKillServer() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    String pauseAt = args.length > 1 ? args[1] : "";
    FileLogStore store =
        FileLogStore.open(
            data,
            step -> {
              if (!step.equals(pauseAt)) return;
              System.out.println("COMPACTION " + step);
              System.out.flush();
              CountDownLatch never = new CountDownLatch(1);
              while (true) {
                try {
                  never.await();
                } catch (InterruptedException e) {
                  // Stopped only by SIGKILL.
                }
              }
            },
            1);
    StubServer server = StubServer.builder().port(0).store(store).build().start();
    System.out.println(server.url());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
