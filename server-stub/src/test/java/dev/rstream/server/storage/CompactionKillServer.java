package dev.rstream.server.storage;

import dev.rstream.server.StubServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The server {@link CompactionKillTest} kills: server-stub on a durable store that compacts after
 * every trim that drops at least what it keeps, and that stops for good at one step of a compaction
 * (args[1]: {@code copied} or {@code renamed}, or none), after printing {@code COMPACTION <step>},
 * so that the test kills it exactly there. With a step, the first compaction also stops in its copy
 * (printing {@code COMPACTION copying}) until a line arrives on standard input, so that the test
 * appends meanwhile. Prints its base URL first.
 */
public final class CompactionKillServer {
  private CompactionKillServer() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    String pauseAt = args.length > 1 ? args[1] : "";
    AtomicBoolean copyHeld = new AtomicBoolean(pauseAt.isEmpty());
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    FileLogStore store =
        FileLogStore.open(
            data,
            step -> {
              if (step.equals(LogCompaction.Hook.COPYING) && copyHeld.compareAndSet(false, true)) {
                System.out.println("COMPACTION " + step);
                System.out.flush();
                try {
                  in.readLine();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                return;
              }
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
