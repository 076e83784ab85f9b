package dev.rstream.server.state;

import dev.rstream.server.state.StreamState.KeyframeRequest;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.StreamMeta;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rstream conventions of docs/PROTOCOL.md section 3 for server-stub: stamps and checks
 * timestamps ({@link ChangeCheck}), keeps each state stream's materialised state ({@link
 * StreamState}), writes keyframes after N changes or T seconds and keeps the {@code
 * {path}.keyframes} index ({@link KeyframeWriter}), rebuilds all of it from the store at start
 * ({@link StateRebuild}) and applies retention ({@link WindowRetention}). Plain streams pass
 * through untouched (the hooks return the very list they were given).
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

  private final LogStore store;
  private final KeyframePolicy defaultPolicy;
  private final @Nullable RetentionPolicy defaultRetention;
  private final Clock clock;
  private final Duration timerTick;
  private final Duration createTimeout;

  private final StateStreams streams;
  private final WindowRetention retention;
  private final KeyframeWriter keyframes;
  private final StateRebuild rebuild;

  private RealStreamConventions(Builder b) {
    this.store = Objects.requireNonNull(b.store, "store == null");
    OffsetFormat offsetFormat = Objects.requireNonNull(b.offsetFormat, "offsetFormat == null");
    this.defaultPolicy = b.defaultPolicy;
    this.defaultRetention = b.defaultRetention;
    this.clock = b.clock;
    this.timerTick = b.timerTick;
    this.createTimeout = b.createTimeout;
    this.streams = new StateStreams(defaultPolicy, b.maxKeyframeShare, clock);
    this.retention = new WindowRetention(store, clock);
    ScheduledExecutorService scheduler = b.scheduler;
    boolean ownsScheduler = scheduler == null;
    if (scheduler == null) {
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "rstream-keyframes");
                t.setDaemon(true);
                return t;
              });
    }
    this.keyframes =
        new KeyframeWriter(streams, offsetFormat, retention, clock, scheduler, ownsScheduler);
    this.rebuild = new StateRebuild(store, offsetFormat, clock, streams, keyframes, retention);
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
        || streams.contains(path)) {
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
      keyframes.rejectStalePlaceholder(messages);
      return messages;
    }
    StreamState s = streams.stateOf(meta);
    rebuild.replayIfNeeded(meta, s);
    Instant last;
    synchronized (s) {
      s.orderedRequest = null;
      s.prepared = null;
      List<byte[]> keyframe = keyframes.keyframeInPlaceOf(s, messages);
      if (keyframe != null) return keyframe;
      last = s.lastTimestamp;
    }
    keyframes.rejectStalePlaceholder(messages);
    ChangeCheck.Checked checked =
        ChangeCheck.check(meta, messages, Instant.ofEpochMilli(nowMillis), last);
    synchronized (s) {
      s.prepared = checked.parsed();
    }
    return checked.messages();
  }

  @Override
  public void afterAppend(StreamMeta meta, List<byte[]> storedMessages, long tailPosition) {
    if (meta.keyframePolicy() == null) return;
    StreamState s = streams.stateOf(meta);
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
    if (schedule) keyframes.submit(s);
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
    StreamState s = streams.stateOf(meta);
    synchronized (s) {
      if (s.keyframeInFlight) return; // initial messages already made one due: that one is first
      s.keyframeInFlight = true;
    }
    // An index left at the path belongs to an earlier stream there (its afterDelete may still be
    // on its way): the new stream starts a new one.
    deleteIndex(meta.path());
    keyframes.writeFirst(s, createTimeout);
  }

  @Override
  public void afterDelete(String path) {
    StreamState s = streams.get(path);
    if (s == null) return;
    StreamMeta current = store.meta(path);
    // Called after the delete released the stream's lock: a PUT may have re-created the path in
    // between, and its state and index must stay.
    if (current != null && current.incarnation() == s.meta.incarnation()) return;
    if (!streams.remove(s)) return;
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
    keyframes.start(appender);
    rebuild.rebuildAll();
    keyframes.startTimer(timerTick);
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
    keyframes.close();
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
