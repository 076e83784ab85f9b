package dev.rstream.server.state;

import dev.rstream.server.state.StateMessage.InvalidMessageException;
import dev.rstream.server.state.StreamState.FoundKeyframe;
import dev.rstream.server.state.StreamState.KeyframeRequest;
import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamClosedException;
import dev.rstream.server.storage.StreamMeta;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rstream conventions of docs/PROTOCOL.md section 3 for server-stub: stamps and checks
 * timestamps, keeps each state stream's materialised state, writes keyframes after N changes or T
 * seconds, and keeps the {@code {path}.keyframes} index. Plain streams pass through untouched (the
 * hooks return the very list they were given).
 *
 * <h2>Exact keyframes</h2>
 *
 * A keyframe must be the state at its own position in the stream, yet it cannot be appended from
 * {@link #afterAppend} (that runs under the stream's append lock, and the appender takes that
 * lock). So the keyframe thread appends a <em>placeholder</em> unit: one message carrying a random
 * per-server nonce. When {@link #beforeAppend} sees that placeholder, it is under the append lock,
 * with every earlier unit applied and no later one possible, and swaps the placeholder for the
 * keyframe built from the state right then. Changes that land between the scheduling and the write
 * are thus in the keyframe, and none after it can be. A placeholder that is not expected any more
 * (its stream was deleted and re-created) is rejected, never stored. Every message of a keyframe
 * carries the timestamp of the last change before it, so timestamps stay non-decreasing through
 * keyframes.
 *
 * <h2>Threading</h2>
 *
 * Hooks for different streams run concurrently; per-stream state sits in a concurrent map and is
 * guarded per stream. Keyframes, index entries and the interval timer run on one scheduler thread
 * (own daemon thread, or the one given to the builder). At most one keyframe per stream is in
 * flight; index entries are appended in keyframe order.
 *
 * <h2>Hook contract expected from the write path</h2>
 *
 * <ul>
 *   <li>For each unit, {@link #afterAppend} follows its {@link #beforeAppend} within the same hold
 *       of the stream's append lock (a unit that fails to store gets no afterAppend), and is given
 *       the messages beforeAppend returned as stored: same count and order, only {@code
 *       headers.offset} rewritten.
 *   <li>{@link #afterCreate} is called on the creating request's thread, before any other unit of
 *       the stream; if it holds the stream's lock there, that lock is reentrant (it appends the
 *       first keyframe through the appender on that thread and waits for it).
 *   <li>Units appended through {@link UnitAppender} pass through both hooks like client units.
 * </ul>
 *
 * <p>Deleting the index stream in {@link #afterDelete} goes straight to the {@link LogStore} (whose
 * tail listeners tell the write path), not through the appender, which only appends.
 */
public final class RealStreamConventions implements StreamConventions {
  private static final Logger log = LoggerFactory.getLogger(RealStreamConventions.class);

  /** Suffix of a state stream's keyframe index stream (docs/PROTOCOL.md 3.4). */
  public static final String INDEX_SUFFIX = ".keyframes";

  /** Keyframes store at most this many times the change bytes appended since the last one. */
  public static final double DEFAULT_MAX_KEYFRAME_SHARE = 8;

  private static final int READ_PAGE_BYTES = 1 << 20;

  private final LogStore store;
  private final OffsetFormat offsetFormat;
  private final KeyframePolicy defaultPolicy;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Duration timerTick;
  private final Duration createTimeout;
  private final double maxKeyframeShare;

  private final ConcurrentHashMap<String, StreamState> streams = new ConcurrentHashMap<>();
  private final WindowRetention retention;
  private final @Nullable RetentionPolicy defaultRetention;
  private final byte[] placeholderPrefix;
  private final AtomicLong nextRequestId = new AtomicLong();

  private volatile @Nullable UnitAppender appender;
  private volatile @Nullable ScheduledFuture<?> timer;
  private volatile boolean closed;

  private RealStreamConventions(Builder b) {
    this.store = Objects.requireNonNull(b.store, "store == null");
    this.offsetFormat = Objects.requireNonNull(b.offsetFormat, "offsetFormat == null");
    this.defaultPolicy = b.defaultPolicy;
    this.clock = b.clock;
    this.timerTick = b.timerTick;
    this.createTimeout = b.createTimeout;
    this.maxKeyframeShare = b.maxKeyframeShare;
    this.defaultRetention = b.defaultRetention;
    this.retention = new WindowRetention(store, clock);
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownsScheduler = false;
    } else {
      this.scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "rstream-keyframes");
                t.setDaemon(true);
                return t;
              });
      this.ownsScheduler = true;
    }
    this.placeholderPrefix =
        ("{\"rstream-keyframe-request\":\"" + UUID.randomUUID() + "/")
            .getBytes(StandardCharsets.UTF_8);
  }

  /** Returns a builder; {@link Builder#store} and {@link Builder#offsetFormat} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The policy streams get when their header leaves a part out. */
  public KeyframePolicy defaultPolicy() {
    return defaultPolicy;
  }

  @Override
  public String normalisePolicy(String headerValue) {
    return KeyframePolicy.parse(headerValue, defaultPolicy).toString();
  }

  /** {@inheritDoc} Without a header, the builder's {@link Builder#defaultRetention}. */
  @Override
  public @Nullable String normaliseRetention(@Nullable String headerValue) {
    if (headerValue != null) return RetentionPolicy.parse(headerValue).toString();
    return defaultRetention == null ? null : defaultRetention.toString();
  }

  @Override
  public @Nullable String serverOwned(String path) {
    if (!path.endsWith(INDEX_SUFFIX)) return null;
    String main = path.substring(0, path.length() - INDEX_SUFFIX.length());
    StreamMeta meta = store.meta(main);
    return meta != null && meta.keyframePolicy() != null
        ? path
            + " is the keyframe index of state stream "
            + main
            + ", written by the server only (PROTOCOL 3.4); clients read it"
        : null;
  }

  @Override
  public @Nullable String refuseCreate(String path, @Nullable String keyframePolicy) {
    // An index left by an earlier stream at the path is ours (its state is still known here);
    // any other stream there is a client's, which the new stream's index must not replace.
    if (keyframePolicy == null
        || store.meta(path + INDEX_SUFFIX) == null
        || streams.containsKey(path)) {
      return null;
    }
    return "cannot create state stream "
        + path
        + ": its keyframe index path "
        + path
        + INDEX_SUFFIX
        + " is taken by another stream; delete that stream or choose another path";
  }

  @Override
  public List<byte[]> beforeAppend(StreamMeta meta, List<byte[]> messages, long nowMillis)
      throws AppendRejectedException {
    if (meta.keyframePolicy() == null) {
      rejectStalePlaceholder(messages);
      return messages;
    }
    StreamState s = stateOf(meta);
    replayIfNeeded(meta, s);
    synchronized (s) {
      s.orderedRequest = null;
      s.prepared = null;
      KeyframeRequest r = s.request;
      if (r != null
          && r.unit == null
          && messages.size() == 1
          && Arrays.equals(messages.get(0), r.placeholder)) {
        // Our keyframe, now in its place in the stream: see the class comment.
        List<byte[]> unit = s.keyframeUnit(r);
        s.orderedRequest = r;
        return unit;
      }
    }
    rejectStalePlaceholder(messages);

    Instant last;
    synchronized (s) {
      last = s.lastTimestamp;
    }
    Instant now = Instant.ofEpochMilli(nowMillis);
    List<StateMessage> parsed = new ArrayList<>(messages.size());
    List<byte[]> out = messages;
    for (int i = 0; i < messages.size(); i++) {
      StateMessage m;
      try {
        m = StateMessage.parse(messages.get(i));
      } catch (InvalidMessageException e) {
        throw rejected(meta, messages, i, e.getMessage());
      }
      // PROTOCOL 3.2: keyframes and their controls are the server's; a client's control or
      // non-change would break every reader's keyframe or state.
      if (m.kind == StateMessage.Kind.CONTROL) {
        throw rejected(
            meta, messages, i, "control messages (headers.control) are written by the server only");
      } else if (m.kind != StateMessage.Kind.CHANGE) {
        throw rejected(
            meta,
            messages,
            i,
            "not a State Protocol change (an object with type, key, headers.operation and, for"
                + " insert and update, value)");
      }
      if (m.kind == StateMessage.Kind.CHANGE) {
        if (m.timestamp == null) {
          // Receive time, unless the stream is already later (clock skew, or a writer with a
          // simulated clock): the order of timestamps is the invariant, not the wall clock.
          Instant stamp = last == null || !now.isBefore(last) ? now : Rfc3339.ceilMillis(last);
          m = m.withTimestamp(stamp);
          if (out == messages) out = new ArrayList<>(messages);
          out.set(i, m.bytes);
        } else if (last != null && m.timestamp.isBefore(last)) {
          throw rejected(
              meta,
              messages,
              i,
              "headers.timestamp "
                  + m.timestampText
                  + " is earlier than the stream's last timestamp "
                  + Rfc3339.formatExact(last)
                  + " (timestamps never decrease)");
        }
        last = m.timestamp;
      }
      parsed.add(m);
    }
    synchronized (s) {
      s.prepared = parsed;
    }
    return out;
  }

  private static AppendRejectedException rejected(
      StreamMeta meta, List<byte[]> messages, int index, @Nullable String why) {
    String where =
        messages.size() == 1 ? "" : " message " + (index + 1) + " of " + messages.size() + ":";
    return new AppendRejectedException(
        "Rejected append to state stream "
            + meta.path()
            + ":"
            + where
            + " "
            + why
            + "; nothing appended");
  }

  private void rejectStalePlaceholder(List<byte[]> messages) throws AppendRejectedException {
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

  @Override
  public void afterAppend(StreamMeta meta, List<byte[]> storedMessages, long tailPosition) {
    if (meta.keyframePolicy() == null) return;
    StreamState s = stateOf(meta);
    long now = clock.millis();
    long position = tailPosition;
    for (byte[] m : storedMessages) position -= m.length;
    boolean schedule;
    synchronized (s) {
      KeyframeRequest own = s.orderedRequest;
      List<StateMessage> prepared = s.prepared;
      s.orderedRequest = null;
      s.prepared = null;
      // The write path rewrites headers.offset in every message between the two hooks, so the
      // stored bytes differ from what beforeAppend returned; the hook contract (afterAppend
      // follows its beforeAppend in the same hold of the lock) is what pairs them.
      if (own != null && own.unit != null && own.unit.size() == storedMessages.size()) {
        // The state already is the keyframe's content; re-applying it would only copy bytes.
        own.startPosition = position;
        s.ownKeyframeStored(now);
      } else {
        // Same pairing; the parse stays valid because only headers.offset was rewritten.
        boolean reuse = prepared != null && prepared.size() == storedMessages.size();
        for (int i = 0; i < storedMessages.size(); i++) {
          byte[] bytes = storedMessages.get(i);
          StateMessage m =
              reuse && prepared != null ? prepared.get(i) : StateMessage.parseStored(bytes);
          s.apply(m, position, i == 0, now, null);
          position += bytes.length;
        }
      }
      schedule = !s.keyframeInFlight && !s.finished && s.countDue();
      if (schedule) s.keyframeInFlight = true;
    }
    if (schedule) submitKeyframe(s);
  }

  /**
   * Writes the first keyframe and its index entry on the calling thread and returns once both are
   * durable (or {@link Builder#createTimeout} passed), so that the stream begins with a keyframe
   * and its index exists before the creating request is answered. The write path calls this without
   * the stream's append lock, which the appender takes for each unit.
   */
  @Override
  public void afterCreate(StreamMeta meta) {
    if (meta.keyframePolicy() == null) return;
    StreamState s = stateOf(meta);
    synchronized (s) {
      if (s.keyframeInFlight) return; // initial messages already made one due: that one is first
      s.keyframeInFlight = true;
    }
    // An index left at the path belongs to an earlier stream there (its afterDelete may still be
    // on its way): the new stream starts a new one.
    deleteIndex(meta.path());
    Throwable error = null;
    try {
      KeyframeRequest r = beginKeyframe(s);
      long timeout = createTimeout.toMillis();
      requireAppender()
          .appendUnit(s.path(), List.of(r.placeholder), null)
          .get(timeout, TimeUnit.MILLISECONDS);
      indexEntryFor(s, r).get(timeout, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = e;
    } catch (ExecutionException e) {
      error = e.getCause();
    } catch (TimeoutException | RuntimeException e) {
      error = e;
    }
    keyframeDone(s, error);
  }

  @Override
  public void afterDelete(String path) {
    StreamState s = streams.get(path);
    if (s == null) return;
    StreamMeta current = store.meta(path);
    // Called after the delete released the stream's lock: a PUT may have re-created the path in
    // between, and its state and index must stay.
    if (current != null && current.incarnation() == s.meta.incarnation()) return;
    if (!streams.remove(path, s)) return;
    synchronized (s) {
      s.deleted = true;
      s.request = null;
    }
    retention.forget(path);
    deleteIndex(path);
  }

  private void deleteIndex(String path) {
    try {
      store
          .delete(path + INDEX_SUFFIX)
          .whenComplete(
              (v, e) -> {
                if (e != null) log.warn("Deleting keyframe index of {} failed", path, e);
              });
    } catch (NoSuchStreamException e) {
      // Never written (the first keyframe failed) or deleted by a client: nothing to do.
    }
  }

  @Override
  public void start(UnitAppender appender) {
    Objects.requireNonNull(appender, "appender == null");
    if (this.appender != null) throw new IllegalStateException("already started");
    this.appender = appender;
    for (StreamMeta meta : store.streams()) {
      if (meta.keyframePolicy() == null) continue;
      try {
        rebuild(meta);
      } catch (NoSuchStreamException e) {
        // Deleted while we read it: nothing to rebuild.
      } catch (InvalidPositionException | java.io.UncheckedIOException e) {
        // Unreadable (damaged on disk, fenced by the store): its readers get the store's error.
        log.error("Cannot rebuild state stream {}: {}", meta.path(), e.getMessage());
      }
    }
    long tick = timerTick.toMillis();
    timer =
        scheduler.scheduleWithFixedDelay(this::checkIntervals, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** Replays the stream from position 0, then queues the index repair or the missing keyframe. */
  private void rebuild(StreamMeta meta) throws NoSuchStreamException, InvalidPositionException {
    List<FoundKeyframe> found = new ArrayList<>();
    StreamState s = replay(meta, found);
    streams.put(meta.path(), s);
    synchronized (s) {
      s.keyframeInFlight = true;
      s.finished = meta.closed();
    }
    if (found.isEmpty() && !meta.closed()) {
      submitKeyframe(s); // created, then crashed before its first keyframe was stored
    } else {
      List<FoundKeyframe> missing = missingIndexEntries(meta, found);
      scheduler.execute(() -> repairIndex(s, missing));
    }
  }

  /** The state of the stream's readable messages, read from the store from position 0. */
  private StreamState replay(StreamMeta meta, List<FoundKeyframe> found)
      throws NoSuchStreamException, InvalidPositionException {
    StreamState s = new StreamState(meta, policyOf(meta), maxKeyframeShare, clock.millis());
    // Retention may have dropped the start: the stream then begins with the keyframe it kept.
    StreamMeta stored = store.meta(meta.path());
    long position = stored == null ? 0 : stored.startPosition();
    long previousUnitEnd = -1;
    while (true) {
      ReadResult r = store.read(meta.path(), position, READ_PAGE_BYTES);
      List<byte[]> messages = r.messages();
      for (int i = 0; i < messages.size(); i++) {
        long unitEnd = r.unitEndPositions()[i];
        s.apply(
            StateMessage.parseStored(messages.get(i)),
            position,
            unitEnd != previousUnitEnd,
            clock.millis(),
            found);
        previousUnitEnd = unitEnd;
        position += messages.get(i).length;
      }
      if (messages.isEmpty() || r.upToDate()) break;
      position = r.nextPosition();
    }
    return s;
  }

  @Override
  public void afterWriteFailed(StreamMeta meta) {
    if (meta.keyframePolicy() == null) return;
    StreamState s = streams.get(meta.path());
    if (s == null) return;
    synchronized (s) {
      if (s.meta.incarnation() == meta.incarnation()) s.needsReplay = true;
    }
  }

  /**
   * Under the append lock: after a unit that never became durable, the state is read again from
   * what the store holds, so that no keyframe carries a change that is not in the stream.
   */
  private void replayIfNeeded(StreamMeta meta, StreamState s) throws AppendRejectedException {
    synchronized (s) {
      if (!s.needsReplay) return;
    }
    try {
      StreamState fresh = replay(meta, new ArrayList<>());
      s.replaceContent(fresh);
    } catch (NoSuchStreamException | InvalidPositionException | java.io.UncheckedIOException e) {
      throw new AppendRejectedException(
          "state of "
              + meta.path()
              + " cannot be read back after a failed write: "
              + e.getMessage());
    }
  }

  /**
   * The keyframes after the last one the index lists. The index only lags at its end (an entry is
   * appended after its keyframe is durable); a hole in the middle is logged, not patched, because
   * appending it would break the index's order.
   */
  private List<FoundKeyframe> missingIndexEntries(StreamMeta meta, List<FoundKeyframe> found)
      throws InvalidPositionException {
    String path = meta.path();
    long incarnation = meta.incarnation();
    Map<String, Long> indexed = new HashMap<>();
    try {
      StreamMeta index = store.meta(path + INDEX_SUFFIX);
      long position = index == null ? 0 : index.startPosition();
      while (true) {
        ReadResult r = store.read(path + INDEX_SUFFIX, position, READ_PAGE_BYTES);
        long at = position;
        for (byte[] entry : r.messages()) {
          String offset = StateMessage.indexEntryOffset(entry);
          if (offset != null) indexed.put(offset, at);
          at += entry.length;
        }
        if (r.messages().isEmpty() || r.upToDate()) break;
        position = r.nextPosition();
      }
    } catch (NoSuchStreamException e) {
      // No index yet: every keyframe is missing.
    }
    int lastIndexed = -1;
    for (int i = 0; i < found.size(); i++) {
      if (indexed.containsKey(offsetFormat.format(incarnation, found.get(i).position())))
        lastIndexed = i;
    }
    List<WindowRetention.Kept> listed = new ArrayList<>();
    for (int i = 0; i <= lastIndexed; i++) {
      FoundKeyframe k = found.get(i);
      Long entry = indexed.get(offsetFormat.format(incarnation, k.position()));
      if (entry == null) {
        log.warn("Keyframe index of {} lacks the keyframe at {}", path, k.position());
      } else {
        listed.add(new WindowRetention.Kept(k.position(), millisOf(k.timestamp()), entry));
      }
    }
    retention.rebuilt(meta, listed);
    return new ArrayList<>(found.subList(lastIndexed + 1, found.size()));
  }

  private static @Nullable Long millisOf(@Nullable String timestamp) {
    if (timestamp == null) return null;
    try {
      return Rfc3339.parse(timestamp).toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private void repairIndex(StreamState s, List<FoundKeyframe> missing) {
    CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
    for (FoundKeyframe k : missing) {
      chain =
          chain.thenComposeAsync(v -> appendIndexEntry(s, k.position(), k.timestamp()), scheduler);
    }
    if (!missing.isEmpty())
      log.info("Re-appending {} keyframe index entries of {}", missing.size(), s.path());
    chain.whenCompleteAsync((v, e) -> keyframeDone(s, e), scheduler);
  }

  /** Runs on the scheduler: writes a keyframe wherever the interval part of a policy is due. */
  void checkIntervals() {
    try {
      long now = clock.millis();
      for (StreamState s : streams.values()) {
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
        if (due) writeKeyframe(s);
      }
      retention.tick();
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; keep the timer alive.
      log.error("Keyframe interval check failed", e);
    }
  }

  private void submitKeyframe(StreamState s) {
    try {
      scheduler.execute(() -> writeKeyframe(s));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closed: no more keyframes.
    }
  }

  /**
   * Appends a keyframe of {@code s} (the caller set {@code keyframeInFlight}), then its index
   * entry, asynchronously; {@link #keyframeDone} runs on the scheduler when both are durable.
   */
  private void writeKeyframe(StreamState s) {
    CompletableFuture<?> done;
    try {
      KeyframeRequest r = beginKeyframe(s);
      done =
          requireAppender()
              .appendUnit(s.path(), List.of(r.placeholder), null)
              .thenComposeAsync(tail -> indexEntryFor(s, r), scheduler);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenCompleteAsync((v, e) -> keyframeDone(s, e), scheduler);
  }

  /** Registers a new keyframe request on {@code s}; its placeholder is what to append. */
  private KeyframeRequest beginKeyframe(StreamState s) {
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
      if (s.deleted || streams.get(s.path()) != s) return CompletableFuture.completedFuture(null);
    }
    byte[] entry =
        StateMessage.indexEntry(offsetFormat.format(s.meta.incarnation(), position), timestamp);
    CompletableFuture<Long> appended =
        Objects.requireNonNull(appender)
            .appendUnit(s.path() + INDEX_SUFFIX, List.of(entry), indexMeta(s.meta));
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
  private void keyframeDone(StreamState s, @Nullable Throwable error) {
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
    if (again) submitKeyframe(s);
  }

  private byte[] placeholder(long id) {
    byte[] suffix = (id + "\"}").getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(placeholderPrefix, placeholderPrefix.length + suffix.length);
    System.arraycopy(suffix, 0, out, placeholderPrefix.length, suffix.length);
    return out;
  }

  /** The state of a state stream, created on first sight (or anew for a new incarnation). */
  private StreamState stateOf(StreamMeta meta) {
    return streams.compute(
        meta.path(),
        (path, existing) -> {
          if (existing != null && existing.meta.incarnation() == meta.incarnation())
            return existing;
          if (existing != null) {
            // Deleted and re-created before afterDelete ran: drop the old one's pending work.
            synchronized (existing) {
              existing.deleted = true;
            }
          }
          return new StreamState(meta, policyOf(meta), maxKeyframeShare, clock.millis());
        });
  }

  private KeyframePolicy policyOf(StreamMeta meta) {
    try {
      return KeyframePolicy.parse(Objects.requireNonNull(meta.keyframePolicy()), defaultPolicy);
    } catch (IllegalArgumentException e) {
      log.warn(
          "Stream {} has an unreadable keyframe policy, using {}: {}",
          meta.path(),
          defaultPolicy,
          e.getMessage());
      return defaultPolicy;
    }
  }

  /** Materialised state of a stream (a copy), or null when it is not a known state stream. */
  @Nullable Map<StreamState.EntityKey, byte[]> stateSnapshot(String path) {
    StreamState s = streams.get(path);
    return s == null ? null : s.entities();
  }

  /** Changes since the last keyframe, or -1 when not a known state stream. For tests. */
  int changesSinceKeyframe(String path) {
    StreamState s = streams.get(path);
    if (s == null) return -1;
    synchronized (s) {
      return s.changesSinceKeyframe;
    }
  }

  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> t = timer;
    if (t != null) t.cancel(false);
    if (ownsScheduler) scheduler.shutdownNow();
  }

  /** Configures a {@link RealStreamConventions}. Not thread-safe; build once. */
  public static final class Builder {
    private @Nullable LogStore store;
    private @Nullable OffsetFormat offsetFormat;
    private KeyframePolicy defaultPolicy = KeyframePolicy.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private @Nullable ScheduledExecutorService scheduler;
    private Duration timerTick = Duration.ofSeconds(1);
    private Duration createTimeout = Duration.ofSeconds(10);
    private double maxKeyframeShare = DEFAULT_MAX_KEYFRAME_SHARE;
    private @Nullable RetentionPolicy defaultRetention;

    private Builder() {}

    /**
     * The retention of state streams created without an {@code Rstream-Retention} header. Default
     * none: they keep everything.
     */
    public Builder defaultRetention(@Nullable RetentionPolicy retention) {
      this.defaultRetention = retention;
      return this;
    }

    /** The store the state is rebuilt from at {@link #start}, and index streams are deleted in. */
    public Builder store(LogStore store) {
      this.store = Objects.requireNonNull(store, "store == null");
      return this;
    }

    /** How index entries spell keyframe offsets: the HTTP layer's formatter. */
    public Builder offsetFormat(OffsetFormat offsetFormat) {
      this.offsetFormat = Objects.requireNonNull(offsetFormat, "offsetFormat == null");
      return this;
    }

    /** Policy parts a stream's header leaves out. Default {@link KeyframePolicy#DEFAULT}. */
    public Builder defaultPolicy(KeyframePolicy defaultPolicy) {
      this.defaultPolicy = Objects.requireNonNull(defaultPolicy, "defaultPolicy == null");
      return this;
    }

    /** Time for keyframe intervals. Default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * The single thread keyframes, index entries and the interval timer run on. The caller keeps
     * ownership (close does not shut it down). Default: an own daemon thread, shut down by close.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler == null");
      return this;
    }

    /** How often intervals are checked: a keyframe comes at most this late. Default 1 s. */
    public Builder timerTick(Duration timerTick) {
      Objects.requireNonNull(timerTick, "timerTick == null");
      if (timerTick.toMillis() < 1) throw new IllegalArgumentException("timerTick < 1ms");
      this.timerTick = timerTick;
      return this;
    }

    /** How long {@link #afterCreate} waits for the first keyframe. Default 10 s. */
    public Builder createTimeout(Duration createTimeout) {
      this.createTimeout = Objects.requireNonNull(createTimeout, "createTimeout == null");
      return this;
    }

    /**
     * How large a keyframe may be, as a multiple of the bytes of changes appended since the last
     * one: a keyframe due by its policy waits until the changes since add up to at least its size
     * divided by this, so that keyframes never store more than this many times what clients
     * appended. Default {@value #DEFAULT_MAX_KEYFRAME_SHARE}.
     */
    public Builder maxKeyframeShare(double share) {
      if (!(share > 0) || Double.isInfinite(share)) {
        throw new IllegalArgumentException("share must be positive and finite: " + share);
      }
      this.maxKeyframeShare = share;
      return this;
    }

    /** Builds it; call {@link StreamConventions#start} before the server takes requests. */
    public RealStreamConventions build() {
      return new RealStreamConventions(this);
    }
  }
}
