package dev.rstream.server.storage;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread a {@link FileLogStore}'s compactions copy on ({@link LogCompaction}), one at a time,
 * so that the writer thread is held only for each one's switch-over.
 *
 * <p>A compaction's future completes with the bytes given back once the new file is durable and in
 * place (0 when the stream's file held nothing dropped, or the stream went meanwhile), or fails
 * with the copy's or the switch-over's error; the stream then keeps its file.
 *
 * <p>Threading: {@link #compact} may be called from any thread; {@link #stop} once, after the
 * writer stopped.
 */
final class Compactor {
  private static final Logger log = LoggerFactory.getLogger(Compactor.class);

  private final GroupCommitWriter writer;
  private final LogCompaction.Hook hook;
  private final ExecutorService thread;

  Compactor(GroupCommitWriter writer, LogCompaction.Hook hook, String name) {
    this.writer = writer;
    this.hook = hook;
    this.thread =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread t = new Thread(task, "rstream-log-compactor " + name);
              t.setDaemon(true);
              return t;
            });
  }

  /** Queues a compaction of {@code stream}; {@code future} completes as the class says. */
  void compact(FileStream stream, CompletableFuture<Long> future) {
    try {
      thread.execute(new Job(stream, future));
    } catch (RejectedExecutionException e) {
      future.completeExceptionally(new IOException("store is closed"));
    }
  }

  /**
   * Fails the compactions not started, interrupts the one copying (its copy is deleted) and waits
   * for the thread to end. Call after the writer stopped: a switch-over it took has run by then.
   */
  void stop() {
    for (Runnable pending : thread.shutdownNow()) {
      ((Job) pending).future.completeExceptionally(new IOException("store is closed"));
    }
    boolean interrupted = false;
    while (true) {
      try {
        if (thread.awaitTermination(1, TimeUnit.MINUTES)) break;
        log.warn("compactor still busy after a minute; waiting on");
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }

  private final class Job implements Runnable {
    final FileStream stream;
    final CompletableFuture<Long> future;

    Job(FileStream stream, CompletableFuture<Long> future) {
      this.stream = stream;
      this.future = future;
    }

    @Override
    public void run() {
      LogCompaction.Copy copy;
      try {
        copy = LogCompaction.copy(stream, hook);
      } catch (IOException | RuntimeException e) {
        log.warn("compaction of {} failed; it keeps its file", stream.created.path(), e);
        future.completeExceptionally(e);
        return;
      }
      if (copy == null) {
        future.complete(0L);
        return;
      }
      CompletableFuture<Long> switched = new CompletableFuture<>();
      if (!writer.enqueue(QueuedChange.compact(copy, switched))) copy.discard();
      // Waits for the switch-over (the writer completes every change it took, even when it
      // stops), so that the next compaction copies the file this one put in place.
      switched.whenComplete(
          (given, failed) -> {
            if (failed != null) {
              future.completeExceptionally(failed);
            } else {
              future.complete(given);
            }
          });
      switched.handle((given, failed) -> null).join();
    }
  }
}
