package dev.rstream.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Command line: {@code java -jar rstream-server-stub-*-all.jar [--host H] [--port P]
 * [--data DIR | --memory] [--keyframe-changes N] [--keyframe-interval SECONDS]
 * [--long-poll-timeout SECONDS]}. Prints the base URL on one line once it accepts connections,
 * then serves until the process is stopped.
 */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    StubServer.Builder builder = StubServer.builder().port(4437);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--host" -> builder.host(value(args, ++i, arg));
        case "--port" -> builder.port(Integer.parseInt(value(args, ++i, arg)));
        case "--data" -> builder.dataDir(Path.of(value(args, ++i, arg)));
        case "--memory" -> builder.memory();
        case "--keyframe-changes" ->
            builder.keyframeChanges(Integer.parseInt(value(args, ++i, arg)));
        case "--keyframe-interval" ->
            builder.keyframeInterval(Duration.ofSeconds(Long.parseLong(value(args, ++i, arg))));
        case "--long-poll-timeout" ->
            builder.longPollTimeout(Duration.ofSeconds(Long.parseLong(value(args, ++i, arg))));
        case "--help", "-h" -> {
          System.out.println(
              "usage: [--host H] [--port P] [--data DIR | --memory] [--keyframe-changes N]"
                  + " [--keyframe-interval SECONDS] [--long-poll-timeout SECONDS]");
          return;
        }
        default -> {
          System.err.println("unknown argument: " + arg + " (try --help)");
          System.exit(2);
        }
      }
    }
    StubServer server = builder.build().start();
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

  private static String value(String[] args, int i, String name) {
    if (i >= args.length) {
      System.err.println(name + " needs a value");
      System.exit(2);
    }
    return args[i];
  }
}
