package dev.rstream.internal.window;

import dev.rstream.Progress;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The reads of known stretches of the stream running now, each a {@link Run}, and their sum as one
 * {@link Progress.CatchUp} on the client's {@link ProgressBoard}: windows add up, and bytes do
 * while every run knows its own (else the sum's bytes are unknown, -1). A run reports each window
 * it finished and the bytes it has read, then {@linkplain Run#end() ends}; with no run left,
 * progress shows no catch-up. Thread-safe: runs change under the board's lock.
 */
public final class CatchUps {
  private final ProgressBoard progress;
  private final Set<Run> running = new LinkedHashSet<>(); // guarded by progress

  CatchUps(ProgressBoard progress) {
    this.progress = progress;
  }

  /** One read of a known stretch. */
  public final class Run {
    private int windowsDone;
    private int windowsTotal;
    private long bytesDone;
    private long bytesTotal; // -1 while unknown
    private boolean ended;

    Run(int windowsTotal, long bytesTotal) {
      this.windowsTotal = windowsTotal;
      this.bytesTotal = bytesTotal;
    }

    /**
     * A window is read, {@code bytes} long (-1 if unknown); the total grows if it was not in it.
     */
    public void windowDone(long bytes) {
      change(
          () -> {
            windowsDone++;
            windowsTotal = Math.max(windowsTotal, windowsDone);
            if (bytes >= 0 && bytesTotal >= 0) bytesDone = Math.min(bytesTotal, bytesDone + bytes);
          });
    }

    /** The bytes to read are {@code total}, of which {@code done} are read (each -1 if unknown). */
    public void bytes(long done, long total) {
      change(
          () -> {
            bytesTotal = total;
            bytesDone = total < 0 ? 0 : Math.max(0, Math.min(total, done));
          });
    }

    /** The read ended, whether it read everything or not; idempotent. */
    public void end() {
      change(() -> ended = true);
    }

    private void change(Runnable change) {
      progress.update(
          p -> {
            if (ended) return p;
            change.run();
            if (ended) running.remove(this);
            return p.catchUp(sum());
          });
    }
  }

  /** Starts a run of {@code windowsTotal} windows and {@code bytesTotal} bytes (-1: unknown). */
  public Run start(int windowsTotal, long bytesTotal) {
    Run run = new Run(windowsTotal, bytesTotal);
    progress.update(
        p -> {
          running.add(run);
          return p.catchUp(sum());
        });
    return run;
  }

  /** Called under the board's lock. */
  private Progress.@Nullable CatchUp sum() {
    if (running.isEmpty()) return null;
    int windowsDone = 0;
    int windowsTotal = 0;
    long bytesDone = 0;
    long bytesTotal = 0;
    for (Run run : running) {
      windowsDone += run.windowsDone;
      windowsTotal += run.windowsTotal;
      if (run.bytesTotal < 0 || bytesTotal < 0) {
        bytesTotal = -1;
        bytesDone = -1;
      } else {
        bytesTotal += run.bytesTotal;
        bytesDone += run.bytesDone;
      }
    }
    return Progress.CatchUp.of(windowsDone, windowsTotal, bytesDone, bytesTotal);
  }
}
