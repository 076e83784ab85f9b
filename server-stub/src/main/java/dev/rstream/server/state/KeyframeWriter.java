package dev.rstream.server.state;

import static dev.rstream.server.state.RealStreamConventions.INDEX_SUFFIX;

import dev.rstream.server.state.StreamState.FoundKeyframe;
import dev.rstream.server.state.StreamState.KeyframeRequest;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.StreamClosedException;
import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the keyframes of state streams, each followed by its entry in the {@code {path}.keyframes}
 * index, and runs the timer that makes keyframes due by interval (and applies age retention).
 *
 * <h2>Exact keyframes</h2>
 *
 * A keyframe must be the state at its own position in the stream, yet it cannot be appended from
 * {@link StreamConventions#afterAppend} (that runs under the stream's append lock, and the appender
 * takes that lock). So this appends a <em>placeholder</em> unit: one message carrying a random
 * per-server nonce. When {@link StreamConventions#beforeAppend} sees that placeholder ({@link
 * #keyframeInPlaceOf}), it is under the append lock, with every earlier unit applied and no later
 * one possible, and swaps the placeholder for the keyframe built from the state right then. Changes
 * that land between the scheduling and the write are thus in the keyframe, and none after it can
 * be. A placeholder that is not expected any more (its stream was deleted and re-created) is
 * rejected, never stored ({@link #rejectStalePlaceholder}). Every message of a keyframe carries the
 * timestamp of the last change before it, so timestamps stay non-decreasing through keyframes.
 *
 * <h2>Threading</h2>
 *
 * Keyframes, index entries and the timer run on one scheduler thread; only {@link #writeFirst}
 * writes on its caller's thread. At most one keyframe per stream is in flight (the caller of {@link
 * #submit} sets {@code keyframeInFlight}); index entries are appended in keyframe order.
 */
final class KeyframeWriter {
  private static final Logger log = LoggerFactory.getLogger(KeyframeWriter.class);

  private final StateStreams streams;
  private final OffsetFormat offsetFormat;
  private final WindowRetention retention;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final byte[] placeholderPrefix;
  private final AtomicLong nextRequestId = new AtomicLong();

  private volatile @Nullable UnitAppender appender;
  private volatile @Nullable ScheduledFuture<?> timer;
  private volatile boolean closed;

  KeyframeWriter(
      StateStreams streams,
      OffsetFormat offsetFormat,
      WindowRetention retention,
      Clock clock,
      ScheduledExecutorService scheduler,
      boolean ownsScheduler) {
    this.streams = streams;
    this.offsetFormat = offsetFormat;
    this.retention = retention;
    this.clock = clock;
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.placeholderPrefix =
        ("{\"rstream-keyframe-request\":\"" + UUID.randomUUID() + "/")
            .getBytes(StandardCharsets.UTF_8);
  }

  /** Keyframes are appended through {@code appender} from now on. Once only. */
  void start(UnitAppender appender) {
    Objects.requireNonNull(appender, "appender == null");
    if (this.appender != null) throw new IllegalStateException("already started");
    this.appender = appender;
  }

  /** Checks intervals (and age retention) every {@code tick} from now on, until {@link #close}. */
  void startTimer(Duration tick) {
    long ms = tick.toMillis();
    timer = scheduler.scheduleWithFixedDelay(this::checkIntervals, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * Under the append lock: the keyframe of {@code s} to store instead of {@code messages} when they
   * are the placeholder of its pending request, else null.
   */
  @Nullable List<byte[]> keyframeInPlaceOf(StreamState s, List<byte[]> messages) {
    synchronized (s) {
      KeyframeRequest r = s.request;
      if (r != null
          && r.unit == null
          && messages.size() == 1
          && Arrays.equals(messages.get(0), r.placeholder)) {
        List<byte[]> unit = s.keyframeUnit(r);
        s.orderedRequest = r;
        return unit;
      }
    }
    return null;
  }

  /** Refuses a placeholder no stream expects: its stream was deleted (and maybe re-created). */
  void rejectStalePlaceholder(List<byte[]> messages) throws AppendRejectedException {
    for (byte[] m : messages) {
      if (startsWith(m, placeholderPrefix)) {
        throw new AppendRejectedException("stale keyframe request for a deleted stream");
      }
    }
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** Queues a keyframe of {@code s} (the caller set {@code keyframeInFlight}). */
  void submit(StreamState s) {
    try {
      scheduler.execute(() -> write(s));
    } catch (RejectedExecutionException e) {
      // Closed: no more keyframes.
    }
  }

  /** Runs on the scheduler: writes a keyframe wherever the interval part of a policy is due. */
  private void checkIntervals() {
    try {
      long now = clock.millis();
      for (StreamState s : streams.all()) {
        boolean due;
        synchronized (s) {
          due =
              !s.deleted
                  && !s.finished
                  && !s.keyframeInFlight
                  && s.changesSinceKeyframe > 0
                  && now - s.lastKeyframeAtMillis >= s.policy.interval().toMillis()
                  && s.keyframeAffordable();
          if (due) s.keyframeInFlight = true;
        }
        if (due) write(s);
      }
      retention.tick();
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; keep the timer alive.
      log.error("Keyframe interval check failed", e);
    }
  }

  /**
   * Appends a keyframe of {@code s} (the caller set {@code keyframeInFlight}), then its index
   * entry, asynchronously; {@link #done} runs on the scheduler when both are durable.
   */
  private void write(StreamState s) {
    CompletableFuture<?> written;
    try {
      KeyframeRequest r = begin(s);
      written =
          requireAppender()
              .appendUnit(s.path(), List.of(r.placeholder), null)
              .thenComposeAsync(tail -> indexEntryFor(s, r), scheduler);
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    written.whenCompleteAsync((v, e) -> done(s, e), scheduler);
  }

  /**
   * Writes a keyframe of {@code s} and its index entry on the calling thread (the caller set {@code
   * keyframeInFlight}) and returns once both are durable, or failed, or {@code timeout} passed.
   */
  void writeFirst(StreamState s, Duration timeout) {
    Throwable error = null;
    try {
      KeyframeRequest r = begin(s);
      long ms = timeout.toMillis();
      requireAppender()
          .appendUnit(s.path(), List.of(r.placeholder), null)
          .get(ms, TimeUnit.MILLISECONDS);
      indexEntryFor(s, r).get(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = e;
    } catch (ExecutionException e) {
      error = e.getCause();
    } catch (TimeoutException | RuntimeException e) {
      error = e;
    }
    done(s, error);
  }

  /**
   * On the scheduler: appends, in order, the index entries of the keyframes in {@code missing} (the
   * caller set {@code keyframeInFlight}).
   */
  void repairIndex(StreamState s, List<FoundKeyframe> missing) {
    scheduler.execute(
        () -> {
          CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
          for (FoundKeyframe k : missing) {
            chain =
                chain.thenComposeAsync(
                    v -> appendIndexEntry(s, k.position(), k.timestamp()), scheduler);
          }
          if (!missing.isEmpty())
            log.info("Re-appending {} keyframe index entries of {}", missing.size(), s.path());
          chain.whenCompleteAsync((v, e) -> done(s, e), scheduler);
        });
  }

  /** Registers a new keyframe request on {@code s}; its placeholder is what to append. */
  private KeyframeRequest begin(StreamState s) {
    KeyframeRequest r = new KeyframeRequest(placeholder(nextRequestId.incrementAndGet()));
    synchronized (s) {
      if (s.deleted || s.finished || closed)
        throw new KeyframeNotWritten("no more keyframes for " + s.path());
      s.request = r;
    }
    return r;
  }

  /** Once the keyframe unit of {@code r} is durable: its index entry. */
  private CompletableFuture<?> indexEntryFor(StreamState s, KeyframeRequest r) {
    long start;
    @Nullable String timestamp;
    synchronized (s) {
      s.request = null;
      start = r.startPosition;
      timestamp = r.timestamp;
    }
    if (start < 0) {
      throw new IllegalStateException(
          "keyframe unit of " + s.path() + " was stored without passing through the hooks");
    }
    return appendIndexEntry(s, start, timestamp);
  }

  private UnitAppender requireAppender() {
    UnitAppender a = appender;
    if (a == null) throw new KeyframeNotWritten("not started");
    return a;
  }

  /** Why a keyframe was not even tried; not worth a warning. */
  private static final class KeyframeNotWritten extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyframeNotWritten(String message) {
      super(message, null, false, false);
    }
  }

  private CompletableFuture<?> appendIndexEntry(
      StreamState s, long position, @Nullable String timestamp) {
    synchronized (s) {
      // A late entry must not re-create the index of a stream that is gone.
      if (s.deleted || !streams.isCurrent(s)) return CompletableFuture.completedFuture(null);
    }
    byte[] entry =
        StateMessage.indexEntry(offsetFormat.format(s.meta.incarnation(), position), timestamp);
    CompletableFuture<Long> appended =
        requireAppender().appendUnit(s.path() + INDEX_SUFFIX, List.of(entry), indexMeta(s.meta));
    if (s.meta.retention() != null) {
      // Not chained into what callers wait for: retention runs on the scheduler, in its own time.
      appended.thenAcceptAsync(
          tail -> retention.indexed(s.meta, position, timestamp, tail - entry.length), scheduler);
    }
    return appended;
  }

  private StreamMeta indexMeta(StreamMeta main) {
    return new StreamMeta(
        main.path() + INDEX_SUFFIX,
        0L,
        "application/json",
        main.ttlSeconds(),
        main.expiresAtMillis(),
        null,
        clock.millis(),
        0L,
        false,
        null,
        main.retention(),
        0);
  }

  /** Runs once a keyframe (and its index entry) or an index repair finished, or failed. */
  private void done(StreamState s, @Nullable Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    boolean again;
    synchronized (s) {
      s.request = null;
      s.keyframeInFlight = false;
      if (cause instanceof StreamClosedException || cause instanceof NoSuchStreamException) {
        // A closed stream takes no more units; a missing one is being deleted.
        s.finished = true;
      } else if (cause != null) {
        // Back off a whole interval rather than retrying every tick.
        s.lastKeyframeAtMillis = clock.millis();
        if (!(cause instanceof KeyframeNotWritten) && !s.deleted && !closed) {
          log.warn("Keyframe of {} not written", s.path(), cause);
        }
      }
      again = cause == null && !s.deleted && !s.finished && !closed && s.countDue();
      if (again) s.keyframeInFlight = true;
    }
    if (again) submit(s);
  }

  private byte[] placeholder(long id) {
    byte[] suffix = (id + "\"}").getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(placeholderPrefix, placeholderPrefix.length + suffix.length);
    System.arraycopy(suffix, 0, out, placeholderPrefix.length, suffix.length);
    return out;
  }

  /** Writes nothing more: stops the timer, and the scheduler when it is this writer's own. */
  void close() {
    closed = true;
    ScheduledFuture<?> t = timer;
    if (t != null) t.cancel(false);
    if (ownsScheduler) scheduler.shutdownNow();
  }
}
