package dev.rstream.internal.live;

import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import dev.rstream.RetryPolicy;
import dev.rstream.TransientException;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.window.KeyframeIndexLoader;
import dev.rstream.internal.window.LiveCheckpoint;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.StreamSource;
import io.reactivex.rxjava3.core.Scheduler;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link LiveCursor} reads and keeps up to date, and how it reads and reconnects: one per
 * cursor, shared by each of its sessions. Immutable.
 */
public final class LiveReadSetup {
  final StreamSource source;
  final LiveCheckpoint checkpoint;
  final KeyframeIndexLoader keyframes;
  final ProgressBoard progress;
  final Scheduler scheduler;
  // The live mode and the read timeout; the offset is each read's own.
  private final ReadOptions liveRead;
  final RetryPolicy reconnectPolicy;
  final RStreamEventListener events;

  /**
   * Live reads of {@code source} in {@code liveMode}, the live window kept in {@code checkpoint},
   * sessions started from the index {@code keyframes} loads, the read shown in {@code progress} and
   * told to {@code events}, timed on {@code scheduler}. A live request that stays silent for {@code
   * liveReadTimeoutMillis} is given up as a dead connection and retried. After a {@link
   * TransientException} from the read (the transport's retry policy gave up) or from loading the
   * index, a session tries again as {@code reconnectPolicy} allows, and fails every subscriber once
   * that gives up.
   */
  public LiveReadSetup(
      StreamSource source,
      LiveCheckpoint checkpoint,
      KeyframeIndexLoader keyframes,
      ProgressBoard progress,
      Scheduler scheduler,
      LiveMode liveMode,
      long liveReadTimeoutMillis,
      RetryPolicy reconnectPolicy,
      RStreamEventListener events) {
    this.source = source;
    this.checkpoint = checkpoint;
    this.keyframes = keyframes;
    this.liveRead =
        ReadOptions.builder()
            .liveMode(liveMode)
            .liveReadTimeout(liveReadTimeoutMillis, TimeUnit.MILLISECONDS)
            .build();
    this.progress = progress;
    this.scheduler = scheduler;
    this.reconnectPolicy = reconnectPolicy;
    this.events = events;
  }

  /** A live read from {@code offset}. */
  ReadOptions liveReadFrom(Offset offset) {
    return liveRead.newBuilder().offset(offset).build();
  }
}
