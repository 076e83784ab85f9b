package dev.rstream.server;

import dev.rstream.server.storage.FileLogStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Command line: {@code java -jar rstream-server-stub-*-all.jar [--host H] [--port P] [--data DIR
 * [--salvage-damaged] | --memory] [--keyframe-changes N] [--keyframe-interval SECONDS] [--retention
 * "windows=N, age=T"] [--long-poll-timeout SECONDS] [--sse-cycle SECONDS] [--max-body-bytes N]
 * [--bearer-token T | --bearer-token-file FILE]}. Prints the base URL on one line once it accepts
 * connections, then serves until the process is stopped (SIGTERM closes the store cleanly;
 * acknowledged writes survive SIGKILL anyway).
 *
 * <p>{@code --salvage-damaged} is the way out of a stream the store fenced because its file is
 * damaged on disk: each damaged file is rewritten with its intact records under a new incarnation
 * (offsets handed out before answer 410) and the original kept in {@code DIR/damaged/}.
 *
 * <p>{@code --retention} is the retention of state streams created without an {@code
 * Rstream-Retention} header: the last N windows, or the windows holding the last T of history.
 *
 * <p>{@code --bearer-token-file} keeps the token out of the process list and lets another process
 * rotate or expire it by replacing the file; the server reads it again when it changes.
 */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    StubServer.Builder builder = StubServer.builder().port(4437);
    try {
      parse(args, builder);
    } catch (IllegalArgumentException e) {
      System.err.println("bad argument: " + e.getMessage() + " (try --help)");
      System.exit(2);
    }
    StubServer server;
    try {
      server = builder.build().start();
    } catch (java.io.IOException e) {
      System.err.println("server-stub did not start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "rstream-shutdown"));
    System.out.println(server.url());
    System.out.flush();
    stopped.await();
  }

  private static void parse(String[] args, StubServer.Builder builder) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--host" -> builder.host(value(args, ++i, arg));
        case "--port" -> builder.port(Integer.parseInt(value(args, ++i, arg)));
        case "--data" -> builder.dataDir(Path.of(value(args, ++i, arg)));
        case "--memory" -> builder.memory();
        case FileLogStore.SALVAGE_FLAG -> builder.salvageDamaged(true);
        case "--keyframe-changes" ->
            builder.keyframeChanges(Integer.parseInt(value(args, ++i, arg)));
        case "--keyframe-interval" ->
            builder.keyframeInterval(Duration.ofSeconds(Long.parseLong(value(args, ++i, arg))));
        case "--retention" -> builder.retention(value(args, ++i, arg));
        case "--long-poll-timeout" ->
            builder.longPollTimeout(Duration.ofSeconds(Long.parseLong(value(args, ++i, arg))));
        case "--sse-cycle" ->
            builder.sseCycle(Duration.ofSeconds(Long.parseLong(value(args, ++i, arg))));
        case "--max-body-bytes" -> builder.maxBodyBytes(Integer.parseInt(value(args, ++i, arg)));
        case "--bearer-token" -> builder.bearerToken(value(args, ++i, arg));
        case "--bearer-token-file" -> builder.bearerTokenFile(Path.of(value(args, ++i, arg)));
        case "--help", "-h" -> {
          System.out.println(
              "usage: [--host H] [--port P] [--data DIR [--salvage-damaged] | --memory]"
                  + " [--keyframe-changes N]"
                  + " [--keyframe-interval SECONDS] [--retention \"windows=N, age=T\"]"
                  + " [--long-poll-timeout SECONDS]"
                  + " [--sse-cycle SECONDS] [--max-body-bytes N]"
                  + " [--bearer-token T | --bearer-token-file FILE]");
          System.exit(0);
        }
        default -> {
          System.err.println("unknown argument: " + arg + " (try --help)");
          System.exit(2);
        }
      }
    }
  }

  private static String value(String[] args, int i, String name) {
    if (i >= args.length) {
      System.err.println(name + " needs a value");
      System.exit(2);
    }
    return args[i];
  }
}
