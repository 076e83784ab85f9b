package dev.rstream.keyframer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A {@link Keyframer} running on a thread of its own; {@link #outcome} ends when its run does. */
final class RunningKeyframer implements AutoCloseable {
  final Keyframer keyframer;
  final CompletableFuture<Void> outcome = new CompletableFuture<>();
  private final Thread thread;

  private RunningKeyframer(Keyframer keyframer, String name) {
    this.keyframer = keyframer;
    this.thread =
        new Thread(
            () -> {
              try {
                keyframer.run();
                outcome.complete(null);
              } catch (Throwable e) {
                outcome.completeExceptionally(e);
              }
            },
            name);
    thread.setDaemon(true);
  }

  static RunningKeyframer start(Keyframer keyframer, String name) {
    RunningKeyframer running = new RunningKeyframer(keyframer, name);
    running.thread.start();
    return running;
  }

  /** Fails the test if the run ended with a failure before now. */
  void assertNotFailed() throws Exception {
    if (outcome.isCompletedExceptionally()) outcome.get(0, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    keyframer.close();
    thread.join(Duration.ofSeconds(30).toMillis());
    if (thread.isAlive()) throw new AssertionError(thread.getName() + " did not stop");
  }
}
