package dev.rstream;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.internal.Internal;
import dev.rstream.internal.http.CallEvents;
import dev.rstream.internal.live.LiveCursor;
import dev.rstream.internal.live.LiveHold;
import dev.rstream.internal.live.LiveUpdate;
import dev.rstream.internal.outbox.Outbox;
import dev.rstream.internal.outbox.OutboxOverlay;
import dev.rstream.internal.outbox.Outboxes;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.store.NoLocalStore;
import dev.rstream.internal.store.StoreMirror;
import dev.rstream.internal.window.CatchUpPlan;
import dev.rstream.internal.window.CatchUps;
import dev.rstream.internal.window.DurableStreamSource;
import dev.rstream.internal.window.KeyframeIndex;
import dev.rstream.internal.window.LiveCheckpoint;
import dev.rstream.internal.window.OffsetDistance;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.ProgressReportingSource;
import dev.rstream.internal.window.StreamSource;
import dev.rstream.internal.window.Window;
import dev.rstream.internal.window.WindowPoint;
import dev.rstream.internal.window.WindowRegistry;
import dev.rstream.internal.window.WindowStateEvents;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.functions.Predicate;
import io.reactivex.rxjava3.functions.Supplier;
import io.reactivex.rxjava3.schedulers.Schedulers;
import io.reactivex.rxjava3.subjects.CompletableSubject;
import java.io.Closeable;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Keeps an app in sync with one remote state stream: the state at any past time, the live state and
 * its changes, the windows held, and the history of changes. One client per stream; share one
 * {@link OkHttpClient} between clients.
 *
 * <p>What it reads, it keeps: a committed window is never read twice from the server while it is in
 * the {@link LocalStore} or within the {@linkplain Builder#memoryBudget memory budget} (a later
 * request for a time in it is answered from memory or the store, with no request), concurrent
 * requests for the same window share one read, and every live subscriber shares one connection.
 *
 * <p>Thread-safe. Every method returns a cold Rx type: nothing happens until subscription. Unless a
 * method says otherwise, items are emitted on the transport's I/O thread (the builder's {@link
 * Builder#scheduler scheduler}, {@link Schedulers#io()} by default), or at once on the subscribing
 * thread when the answer is held; use {@code observeOn} to move to your UI thread. Errors are
 * {@link RStreamException}s.
 *
 * <p>Reads that end ({@link #window}, {@link #changes}, {@link #state()}) retry transient failures
 * for a bounded time ({@link Builder#oneShotRetryPolicy}), then fail with a {@link
 * TransientException}; {@link #live()} retries for as long as it is subscribed (unless the builder
 * bounds it: {@link Builder#retryPolicy}, {@link Builder#liveReconnectPolicy}). While a read
 * retries, {@link #progress()} says so and why.
 *
 * <p>{@link #close()} ends the client. A stream subscribed before it completes (an {@link
 * #awaitOffset} or {@link #state()} still waiting fails instead, as it has no answer); a
 * subscription after it, and every other call but {@link #streamUrl()}, {@link #durableOutbox()}
 * and {@code close()}, fails with {@code IllegalStateException("client closed ...")}, as do the
 * calls of the {@linkplain #producer() producer} it handed out.
 */
public final class RStreamClient implements Closeable {
  private static final Logger log = Logger.getLogger(RStreamClient.class.getName());

  static {
    Internal.initialize(
        new Internal() {
          @Override
          public Change trustedChange(
              Change.Operation operation,
              String type,
              String key,
              @Nullable String value,
              @Nullable String oldValue,
              @Nullable Instant timestamp,
              @Nullable String txid,
              @Nullable Offset offset) {
            return Change.trusted(operation, type, key, value, oldValue, timestamp, txid, offset);
          }

          @Override
          public Progress progress(
              Progress.Live live,
              @Nullable Offset liveOffset,
              int windowsPulling,
              int windowsCommitted,
              long messagesRead,
              int retryAttempt,
              @Nullable TransientException retryCause,
              Progress.@Nullable CatchUp catchUp,
              long liveRebuilds) {
            return new Progress(
                live,
                liveOffset,
                windowsPulling,
                windowsCommitted,
                messagesRead,
                retryAttempt,
                retryCause,
                catchUp,
                liveRebuilds);
          }
        });
  }

  private final String streamUrl;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final ProgressBoard progress = new ProgressBoard();
  private final WindowRegistry registry;
  private final LiveCursor cursor;
  private final LiveSubsets subsets;
  // Appends and the producer: the builder's retry policy. Reads that end (windows, the index, the
  // tail) go through oneShotSource, with the one-shot policy, and report retries to progress.
  private final StreamSource source;
  private final StreamSource oneShotSource;
  private final RetryPolicy oneShotPolicy;
  private final Scheduler scheduler;
  private final CompletableSubject closed = CompletableSubject.create();
  // takeUntil needs an item: the subject only completes.
  private final Flowable<Boolean> closedSignal = closed.andThen(Flowable.just(Boolean.TRUE));
  private final LocalStore store;
  private final Connectivity connectivity;
  // Built by this client when the app gave none: its threads and connections are ours to release.
  private final @Nullable OkHttpClient ownedHttp;
  private @Nullable ChangeProducer producer; // guarded by this
  // Set when the store keeps an outbox: append writes there and the outbox sends.
  private final @Nullable Outbox outbox;
  private final Outbox.@Nullable Link outboxLink;

  private RStreamClient(Builder builder) {
    StreamSource source = builder.source;
    StreamSource oneShot;
    StreamSource outboxSource;
    OkHttpClient owned = null;
    OkHttpClient http = null;
    RetryPolicy oneShotPolicy =
        Recovery.oneShotPolicy(builder.retryPolicy, builder.oneShotRetryPolicy);
    if (source == null) {
      http = builder.okHttpClient;
      if (http == null) {
        http = new OkHttpClient();
        owned = http;
      }
      http = CallEvents.reporting(http, builder.eventListener);
      HttpUrl url = HttpUrl.get(requireNonNull(builder.streamUrl)); // build() checked it
      RetryPolicy policy =
          builder.retryPolicy != null ? builder.retryPolicy : RetryPolicy.defaults();
      source = DurableStreamSource.create(url, http, policy, builder.scheduler, builder.authToken);
      oneShot =
          DurableStreamSource.create(
              url, http, oneShotPolicy, builder.scheduler, builder.authToken);
      // The outbox times its own retries, so that a sign of the network cuts a backoff short.
      outboxSource =
          DurableStreamSource.create(
              url, http, RetryPolicy.none(), builder.scheduler, builder.authToken);
    } else {
      oneShot = source;
      outboxSource = source;
    }
    this.ownedHttp = owned;
    this.source = source;
    RStreamEventListener events = builder.eventListener;
    this.oneShotSource = new ProgressReportingSource(oneShot, progress, events);
    this.oneShotPolicy = oneShotPolicy;
    this.scheduler = builder.scheduler;
    this.streamUrl = source.url();
    this.mapper = builder.objectMapper != null ? builder.objectMapper : new ObjectMapper();
    this.clock = builder.clock;
    LocalStore store = builder.store != null ? builder.store : NoLocalStore.INSTANCE;
    this.store = store;
    Outbox opened = null;
    Outbox.Link link = null;
    if (store.keepsOutbox()) {
      try {
        opened = Outboxes.open(store, streamUrl);
      } catch (RuntimeException e) { // any store's failure: appends then go out as without one
        log.log(Level.WARNING, streamUrl + ": cannot read the outbox, appends are not kept", e);
      }
    }
    if (opened != null) {
      link =
          new Outbox.Link(
              entry ->
                  outboxSource.appendAs(
                      entry.producerId(),
                      entry.epoch(),
                      entry.seq(),
                      entry.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
              builder.retryPolicy != null ? builder.retryPolicy : RetryPolicy.defaults(),
              builder.scheduler);
    }
    this.outbox = opened;
    this.outboxLink = link;
    StoreMirror mirror = new StoreMirror(streamUrl, store, events);
    LiveCheckpoint checkpoint = new LiveCheckpoint(mirror);
    this.registry =
        new WindowRegistry(
            oneShotSource,
            mirror,
            checkpoint,
            builder.scheduler,
            builder.maxParallelFetches,
            builder.memoryBudget,
            progress);
    this.cursor =
        new LiveCursor(
            source,
            checkpoint,
            registry.keyframes(),
            progress,
            builder.scheduler,
            liveMode(builder.liveTransport),
            builder.lingerMillis,
            builder.liveReadTimeoutMillis,
            Recovery.liveReconnectPolicy(builder.retryPolicy, builder.liveReconnectPolicy),
            events);
    if (events != RStreamEventListener.NONE) {
      registry.windows().takeUntil(closedSignal).subscribe(new WindowStateEvents(events));
    }
    this.subsets = new LiveSubsets(cursor.updates(), mapper);
    this.connectivity = new Connectivity(cursor, http, closed, this::online);
    // Last: from here on the outbox may send (what a previous run left in it, first).
    if (opened != null && link != null) opened.attach(link);
  }

  private static LiveMode liveMode(LiveTransport transport) {
    switch (transport) {
      case SSE:
        return LiveMode.SSE;
      case LONG_POLL:
        return LiveMode.LONG_POLL;
      default:
        return LiveMode.AUTO;
    }
  }

  /** A builder; {@link Builder#streamUrl} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The URL of the state stream this client follows; answers after {@link #close()} too. */
  public String streamUrl() {
    return streamUrl;
  }

  boolean isClosed() {
    return closed.hasComplete();
  }

  /** What every call on a closed client fails with. */
  IllegalStateException closedError() {
    return new IllegalStateException("client closed (" + streamUrl + ")");
  }

  private void checkOpen() {
    if (isClosed()) throw closedError();
  }

  /** {@code flowable} subscribed to while this client is open; an error once it is closed. */
  private <T> Flowable<T> whileOpen(Supplier<Flowable<T>> flowable) {
    return Flowable.defer(() -> isClosed() ? Flowable.<T>error(closedError()) : flowable.get());
  }

  /**
   * The error for a wait on the live state that ended without its answer: this client closed, or
   * the live read completed (the stream was closed) before it got there.
   */
  private RuntimeException endedBefore(String what) {
    if (isClosed()) return closedError();
    return new StreamClosedException(
        "the stream was closed before " + what,
        streamUrl,
        progress.current().liveOffset(),
        0,
        null);
  }

  /**
   * The state at {@code time}, then completes: the keyframe of the window covering it, then that
   * window's changes with a timestamp {@code <= time}.
   *
   * <p>A committed window this client holds answers at once, on the subscribing thread, with no
   * request. Otherwise only that window's range of the stream is read (shared with concurrent
   * requests for the same window, and kept). A time inside the live window asks the server for its
   * tail (one HEAD) and waits until the live state reaches it, or shows a change stamped after
   * {@code time} (it opens the shared connection if needed), then completes. A time after now (this
   * client's clock) behaves like {@link #live()}: it never completes.
   *
   * <p>Times are effective timestamps (docs/PROTOCOL.md section 3.1). Fails with {@link
   * OutOfRangeException} if {@code time} is before the first keyframe's timestamp; a stream whose
   * first keyframe has none (server-stub's initial keyframe) is empty before its first change. A
   * stream with no keyframe is one live window from the empty state (docs/PROTOCOL.md section 3.0):
   * before its first change the state is empty, with a null {@link StateView#timestamp()}; if its
   * changes up to {@code time} carry no timestamps, the state at a past time is unknown and it
   * fails with {@link NoTimestampsException}. Fails with {@link NotAStateStreamException} (as
   * {@link #live()} and {@link #changes} do) if the stream is not JSON or holds a message that is
   * not State Protocol, and with a {@link TransientException} once the reads it needs (the index,
   * the window, the tail, the live state) have failed for as long as the {@linkplain
   * Builder#oneShotRetryPolicy one-shot retry policy} allows. Disposing stops waiting; a window
   * read already started still completes and is kept. Completes without a state if this client is
   * closed meanwhile.
   */
  public Flowable<StateView> window(Instant time) {
    requireNonNull(time, "time == null");
    return whileOpen(
        () ->
            registry
                .covering(time)
                .toFlowable()
                .concatMap(
                    held -> {
                      Window window = held.window();
                      if (window != null)
                        return Flowable.just(
                            view(registry.stateAt(window, time), held.fromStore()));
                      if (time.isAfter(clock.instant())) return live();
                      return pastInLiveWindow(time);
                    })
                .takeUntil(closedSignal));
  }

  private Flowable<StateView> pastInLiveWindow(Instant time) {
    // A change stamped after `time` shows the live state is past it, whatever the tail says.
    Single<LiveUpdate> reached = liveAtTail(u -> isAfter(u.point().timestamp(), time));
    return reached.flatMapPublisher(
        update -> {
          Window window = update.point().window();
          if (window.start() == null || !window.start().timestamp().isAfter(time)) {
            return Flowable.just(view(registry.stateAt(window, time), false));
          }
          // A keyframe arrived after `time` while we waited: its window is committed now.
          return window(time);
        });
  }

  private static boolean isAfter(@Nullable Instant instant, Instant time) {
    return instant != null && instant.isAfter(time);
  }

  /**
   * The first live update that holds at least what the server holds now, or that {@code early}
   * accepts before; bounded by the one-shot retry policy.
   */
  private Single<LiveUpdate> liveAtTail(Predicate<LiveUpdate> early) {
    // What the server holds now: wait until the live state reaches that tail. "Caught up" alone
    // is not enough: a connection that stalls without a word still says it.
    return oneShotSource
        .tail()
        .flatMap(
            end -> {
              // A catch-up to a known end: progress shows how far, from where the cursor stands
              // now, or from where its first update's window starts.
              CatchUps.Run run = progress.catchUps().start(1, -1);
              Offset[] from = {progress.current().liveOffset()};
              return cursor
                  .updates(oneShotPolicy)
                  .doOnNext(
                      u -> {
                        Offset start = from[0];
                        if (start == null) start = from[0] = windowStart(u.point().window());
                        long total = OffsetDistance.between(start, end);
                        run.bytes(OffsetDistance.between(start, u.point().offset()), total);
                      })
                  .filter(u -> u.point().offset().compareTo(end) >= 0 || early.test(u))
                  .firstElement()
                  .switchIfEmpty(
                      Single.error(() -> endedBefore("its tail " + end.value() + " was read")))
                  .doOnSuccess(u -> run.windowDone(-1))
                  .doFinally(run::end);
            });
  }

  private static Offset windowStart(Window window) {
    Keyframe start = window.start();
    return start != null ? start.offset() : window.baseOffset();
  }

  /** The first live update {@code wanted} accepts, bounded by the one-shot retry policy. */
  private Single<LiveUpdate> firstLive(Predicate<LiveUpdate> wanted, String what) {
    return cursor
        .updates(oneShotPolicy)
        .filter(wanted)
        .firstElement()
        .switchIfEmpty(Single.error(() -> endedBefore(what)));
  }

  /**
   * The current state: the live state once it holds at least everything the server held when this
   * was subscribed (it asks for the server's tail with one HEAD, then waits for the live state to
   * reach it), never an older state held in memory or the {@link LocalStore}. Where {@code
   * live().firstElement()} may give a stored state at once, this waits for the server's.
   *
   * <p>Opens the shared live connection while it waits (and leaves it to linger after, see {@link
   * Builder#liveLinger}). Succeeds on the I/O thread, or at once if the live state is there
   * already. Fails with a {@link TransientException} once the HEAD or the live read have failed, or
   * the live read has read nothing new, for as long as the {@linkplain Builder#oneShotRetryPolicy
   * one-shot retry policy} allows, with {@code IllegalStateException} if this client is closed
   * while it waits, and with {@link StreamClosedException} if the stream is closed before its tail
   * is read. Disposing stops waiting.
   */
  public Single<StateView> state() {
    return Single.defer(
        () -> {
          if (isClosed()) return Single.error(closedError());
          return liveAtTail(u -> false).map(update -> view(update.point(), update.fromStore()));
        });
  }

  /**
   * The current state, then a new state after every append: after each change, or after all the
   * changes one request appended together (atomic on the server, so never shown apart: a state is
   * always one the server had, and its {@link StateView#offset()} is exact). {@link
   * StateView#changes()} lists what produced it, {@link StateView#changedKeys()} the entities it
   * changed against the state this subscriber got before. Never completes (unless the stream is
   * closed or this client is).
   *
   * <p>Hot and shared: all subscribers share one live connection, opened by the first and closed by
   * the last one leaving (after the builder's {@link Builder#liveLinger linger}). A late subscriber
   * gets the latest state at once. Slow subscribers get the latest state, skipping states they had
   * no demand for (conflation); use {@link #changes} for every change. Transient network failures
   * are retried invisibly for as long as it is subscribed (see {@link #progress()}), unless the
   * builder set a {@link Builder#retryPolicy retryPolicy} that gives up, or a {@link
   * Builder#liveReconnectPolicy liveReconnectPolicy} that does; anything else errors every
   * subscriber, and the next one starts a new connection. Emits on the I/O thread. Completes if
   * this client is closed meanwhile.
   *
   * <p>With a {@linkplain #durableOutbox() durable outbox}, each state also shows this app's
   * appends the server has not confirmed yet, applied in append order on top of the confirmed state
   * ({@link StateView#hasPendingWrites()}, {@link StateView#pendingChanges()}, {@link
   * StateView#confirmedJson}): a new view at once on each append (on the appending thread), and one
   * on each refusal, without the refused change. A pending change stays shown after its
   * acknowledgement until a confirmed state holds its echo, and leaves in that same view, so a
   * value never reverts in between. A remote change to the same entity that the server applied
   * before it shows under it until then. {@link #window} for a time after now is {@code live()} and
   * shows them too; {@link #live(String)} and {@link #live(String, String)} show confirmed states
   * only.
   */
  public Flowable<StateView> live() {
    return whileOpen(
        () -> {
          Flowable<StateView> confirmed = subsets.all().doOnNext(view -> online());
          Outbox kept = outbox;
          if (kept == null) return confirmed.takeUntil(closedSignal);
          OutboxOverlay overlay = kept.overlay();
          // One view per confirmed state or change of the overlay: an echo and the drop of its
          // pending change arrive in the same view.
          return Flowable.combineLatest(
                  confirmed,
                  overlay.versions(),
                  (view, version) -> view.withPending(overlay.pendingOver(view.offset())))
              .onBackpressureLatest()
              .takeUntil(closedSignal);
        });
  }

  /**
   * As {@link #live()}, but only the states in which the entities of {@code type} differ from the
   * last state this subscriber got: the current state at once, then a state each time an append
   * inserts, deletes or changes the value of an entity of {@code type}. An append that touches only
   * other types, or writes values the entities already had, or a keyframe that holds the same
   * entities, wakes no subscriber of this. Read the type's entities with {@link
   * StateView#entities(String)}, and what changed with {@link StateView#changedKeys(String)}.
   *
   * <p>Shares the one live connection with {@link #live()} and every other subscriber; hot, never
   * completes (but as {@link #live()} does), emits on the I/O thread, conflates for a slow
   * subscriber. The check costs O(1) per append that leaves {@code type} alone, and a walk of the
   * type's entities at a keyframe.
   */
  public Flowable<StateView> live(String type) {
    requireNonNull(type, "type == null");
    return whileOpen(() -> subsets.ofType(type).takeUntil(closedSignal));
  }

  /**
   * As {@link #live()}, but only the entity {@code type}/{@code key}, each time its value differs
   * from the one this subscriber got last: its value in the current state at once ({@link
   * EntityView#exists()} false if there is none), then its value after each append that inserts,
   * deletes or changes it. An append that writes the value it had, or touches other entities, wakes
   * no subscriber of this.
   *
   * <p>Shares the one live connection with {@link #live()} and every other subscriber; hot, never
   * completes (but as {@link #live()} does), emits on the I/O thread, conflates for a slow
   * subscriber. The check costs one lookup per append.
   */
  public Flowable<EntityView> live(String type, String key) {
    requireNonNull(type, "type == null");
    requireNonNull(key, "key == null");
    return whileOpen(() -> subsets.entity(type, key).takeUntil(closedSignal));
  }

  /**
   * Whether {@link #append} keeps what it appends in the {@link LocalStore} until the server
   * acknowledges it (the store {@linkplain LocalStore#keepsOutbox keeps an outbox}, as {@link
   * SqliteStore} does). If false, appends wait in memory only: a process that dies loses those not
   * yet acknowledged, and an append fails once the retry policy gives up. Answers after {@link
   * #close()} too.
   */
  public boolean durableOutbox() {
    return outbox != null;
  }

  /**
   * The number of appends waiting in the durable outbox for the server's acknowledgement (for a "3
   * changes waiting" badge): the current number at once, then every change, conflated for slow
   * subscribers. Hot, shared by every client on the same store and stream; emits on the thread that
   * changed it (the appending thread, or the transport's I/O thread). Completes on {@link
   * #close()}. Without a {@linkplain #durableOutbox() durable outbox}: 0, then completes.
   */
  public Flowable<Integer> outboxSize() {
    return whileOpen(
        () -> {
          Outbox kept = outbox;
          return kept == null ? Flowable.just(0) : kept.sizes().takeUntil(closedSignal);
        });
  }

  /**
   * Appends the server refused for good from now on (see {@link RejectedWriteException}): those
   * this client appended, whose {@code Single} fails with the same error, and those appended before
   * a restart, whose {@code Single} is gone. Hot, shared by every client on the same store and
   * stream: subscribe right after building the client to hear of a refusal of what a previous run
   * left in the outbox. Emits on the transport's I/O thread. Completes on {@link #close()}. Without
   * a {@linkplain #durableOutbox() durable outbox}: completes at once (refusals fail the append).
   */
  public Flowable<RejectedWriteException> rejectedWrites() {
    return whileOpen(
        () -> {
          Outbox kept = outbox;
          return kept == null
              ? Flowable.<RejectedWriteException>empty()
              : kept.rejected().takeUntil(closedSignal);
        });
  }

  /** A read succeeded: the network works, so a waiting outbox sends now. */
  private void online() {
    Outbox kept = outbox;
    if (kept != null) kept.online();
  }

  /**
   * The windows this client holds or is fetching, ordered by start offset: the current set at once,
   * then the set after every change (conflated for slow subscribers). Committed windows that the
   * {@linkplain Builder#memoryBudget memory budget} dropped stay listed with {@link
   * WindowInfo#held()} false. Completes on {@link #close()}. Emits on the thread that changed the
   * set; do not block in it.
   */
  public Flowable<List<WindowInfo>> windows() {
    return whileOpen(() -> registry.windows().takeUntil(closedSignal));
  }

  /**
   * Every change with a timestamp in {@code [from, to)}, in stream order, then completes.
   * Request-driven: windows are read (or taken from memory) as the subscriber asks for more, at
   * most two windows ahead of the one it is consuming (so the next read overlaps consumption).
   * Changes in the live window are those held when the live cursor has caught up; it does not wait
   * for changes after now. A {@code from} before the first keyframe starts at the first.
   *
   * <p>Fails with a {@link TransientException} once the reads it needs have failed for as long as
   * the {@linkplain Builder#oneShotRetryPolicy one-shot retry policy} allows. Completes if this
   * client is closed meanwhile.
   */
  public Flowable<Change> changes(Instant from, Instant to) {
    requireNonNull(from, "from == null");
    requireNonNull(to, "to == null");
    if (to.isBefore(from))
      throw new IllegalArgumentException("to " + to + " is before from " + from);
    return whileOpen(
        () ->
            registry
                .index()
                .flatMapPublisher(
                    index -> {
                      int k = firstWindowWithChangesFrom(index, from);
                      CatchUpPlan plan = CatchUpPlan.of(index, k, to);
                      CatchUps.Run run = progress.catchUps().start(plan.windows(), plan.bytes());
                      return windowsFrom(index, k, to)
                          .doOnNext(window -> run.windowDone(CatchUpPlan.bytesOf(window)))
                          .doFinally(run::end);
                    })
                // Prefetch 1 keeps the look-ahead to the window after next.
                .concatMap(window -> changesOf(window, from, to), 1)
                .takeUntil(closedSignal));
  }

  /**
   * The first window that may hold a change at or after {@code from}: with equal timestamps, a
   * change at exactly {@code from} can sit in the windows before the one covering it.
   */
  private static int firstWindowWithChangesFrom(KeyframeIndex index, Instant from) {
    int k = Math.max(0, index.covering(from));
    while (k > 0 && !index.get(k).timestamp().isBefore(from)) k--;
    return k;
  }

  /** The windows from the {@code k}th keyframe on, committed ones first, then the live one. */
  private Flowable<Window> windowsFrom(KeyframeIndex index, int k, Instant to) {
    if (index.isEmpty() || k >= index.size() - 1) {
      return caughtUpLiveWindow()
          .flatMapPublisher(
              live -> {
                Keyframe first = index.isEmpty() ? null : index.get(k);
                Keyframe liveStart = live.start();
                if (first != null && liveStart != null && first.compareTo(liveStart) < 0) {
                  // Keyframes arrived since the index was read: read the windows in between.
                  KeyframeIndex fresh = registry.currentIndex();
                  return windowsFrom(fresh, fresh.position(first.offset()), to);
                }
                return Flowable.just(live);
              });
    }
    Keyframe start = index.get(k);
    Keyframe end = index.get(k + 1);
    Flowable<Window> committed =
        Flowable.defer(() -> registry.held(start, end).map(held -> held.window()).toFlowable());
    if (!end.timestamp().isBefore(to)) return committed;
    return committed.concatWith(Flowable.defer(() -> windowsFrom(index, k + 1, to)));
  }

  private Single<Window> caughtUpLiveWindow() {
    return firstLive(LiveUpdate::caughtUp, "the live state caught up").map(u -> u.point().window());
  }

  private static Flowable<Change> changesOf(Window window, Instant from, Instant to) {
    // By effective timestamps (docs/PROTOCOL.md 3.1), as the window's time seek.
    return Flowable.range(0, window.changeCount())
        .filter(
            i -> {
              Instant t = window.timeOf(i);
              return t != null && !t.isBefore(from) && t.isBefore(to);
            })
        .map(window::change);
  }

  /**
   * Appends {@code changes} in one request: one append unit, atomic, in order. Emits the offset
   * after them, on the I/O thread; pass it to {@link #awaitOffset} to read your own writes. Changes
   * without a timestamp get the server's receive time; {@link Change#offset()} is ignored.
   *
   * <p><b>With a durable outbox</b> ({@link #durableOutbox()}, a {@link SqliteStore}): the changes
   * are written to the store's outbox before this method returns, on the calling thread (keep it
   * off the main thread), in one transaction with the producer identity and sequence number they
   * are sent with; the returned {@code Single} is hot and succeeds once the server acknowledged
   * them. The outbox sends appends one request each, in append order, whenever the client is
   * online: at once, after each transient failure by the {@link Builder#retryPolicy retryPolicy}'s
   * delays, and at once on {@link #resume()} or a successful live read; when the policy gives up it
   * waits for one of those. After a crash or restart the next client on the store sends what is
   * left, with the same identity and numbers, so the server applies each append exactly once. A
   * transient failure never fails the {@code Single}; a refusal for good (400, 413, a closed
   * stream, a fenced producer whose new epoch is fenced too) fails it with {@link
   * RejectedWriteException}, and the appends after it are still sent. It fails with {@code
   * IllegalStateException} if every client on the store closes first (the append stays in the
   * outbox), and with {@link LocalStoreException} if the store cannot write it (nothing appended).
   *
   * <p><b>Without one</b>: sent through this client's {@linkplain #producer() idempotent producer},
   * in memory only: retried on transient failures, and a retry after a lost response never appends
   * twice. Cold: each subscription appends again. Fails with the transport's typed error when
   * retries run out; the next append starts a new producer epoch. An append subscribed before
   * {@link #close()} is still sent; one subscribed after fails with {@code IllegalStateException}.
   */
  public Single<Offset> append(Change... changes) {
    requireNonNull(changes, "changes == null");
    return append(java.util.Arrays.asList(changes));
  }

  /** Appends {@code changes} in one request; see {@link #append(Change...)}. */
  public Single<Offset> append(List<Change> changes) {
    requireNonNull(changes, "changes == null");
    if (changes.isEmpty()) throw new IllegalArgumentException("no changes to append");
    for (int i = 0; i < changes.size(); i++)
      requireNonNull(changes.get(i), "changes[" + i + "] == null");
    List<Change> copy = new java.util.ArrayList<>(changes);
    Outbox kept = outbox;
    if (kept != null) {
      if (isClosed()) return Single.error(closedError());
      try {
        return kept.append(copy).flatMap(this::offsetAfter);
      } catch (RuntimeException e) { // the store could not write it: not appended at all
        return Single.error(e);
      }
    }
    return Single.defer(
            () -> isClosed() ? Single.<Offset>error(closedError()) : appendThroughProducer(copy))
        .onErrorResumeNext(
            error ->
                // Refused, so not applied: the server's producer state is not ours (the stream was
                // created again, or another instance took the id). A new epoch sends it once more.
                error instanceof SequenceConflictException
                        || error instanceof ProducerFencedException
                    ? appendThroughProducer(copy)
                    : Single.error(error));
  }

  private Single<Offset> appendThroughProducer(List<Change> changes) {
    return Single.defer(
        () -> {
          ChangeProducer made = producer();
          return made.appendUnit(changes)
              .doOnError(error -> forget(made))
              .flatMap(this::offsetAfter);
        });
  }

  /** The offset after a producer's append, from its answer. */
  Single<Offset> offsetAfter(AppendResult result) {
    return result.nextOffset() == null && result.duplicate()
        // A retry the server had already applied: its answer carries no offset (spec 5.2.1).
        // The tail now is at or past it, which is all read-your-writes needs.
        ? source.tail()
        : Single.just(DurableStreamSource.appendedOffset(result, streamUrl));
  }

  /** A producer whose append failed has failed for good: the next append makes a new one. */
  private void forget(ChangeProducer failed) {
    synchronized (this) {
      if (producer != failed) return;
      producer = null;
    }
    failed.stop().onErrorComplete().subscribe();
  }

  /**
   * This client's idempotent producer: exactly-once appends through retries, lost responses and
   * restarts; {@link #append} uses it too. The same instance on every call until one of its appends
   * fails (then it has failed for good, and the next call makes a new one at the next epoch). Its
   * identity lives in the client's store: the first client on a store makes an id and saves it;
   * every later one (the app restarted) takes the same id at the next epoch, which fences an older
   * instance still writing. With the in-memory store each client is a new producer. If the store
   * cannot save the identity, this client uses a fresh id it does not save (an unsaved epoch could
   * be reused after a restart and its first appends taken for duplicates), and logs why.
   *
   * <p>The first call reads and writes the store on the calling thread; keep it off the main
   * thread. {@link #close()} sends what is queued, then stops the producer; later calls of it fail
   * with {@code IllegalStateException}.
   *
   * @throws IllegalStateException if this client is closed.
   */
  public synchronized ChangeProducer producer() {
    checkOpen();
    ChangeProducer existing = producer;
    if (existing != null) return existing;
    LocalStore.StoredProducer stored = null;
    try {
      stored = store.producer(streamUrl);
    } catch (RuntimeException e) { // any store's failure, not only ours: never crash the app
      log.log(
          Level.WARNING, streamUrl + ": cannot read the stored producer, starting a new one", e);
    }
    String id = stored != null ? stored.id() : "rstream-" + java.util.UUID.randomUUID();
    long epoch = stored != null ? stored.epoch() + 1 : 0;
    try {
      store.putProducer(streamUrl, LocalStore.StoredProducer.of(id, epoch));
    } catch (RuntimeException e) {
      log.log(Level.WARNING, streamUrl + ": cannot save the producer, using an unsaved one", e);
      id = "rstream-" + java.util.UUID.randomUUID();
      epoch = 0;
    }
    ChangeProducer made =
        new ChangeProducer(
            source.producer(ProducerOptions.builder(id).epoch(epoch).build()), id, this);
    producer = made;
    return made;
  }

  /**
   * Completes once the live state has reached {@code offset} (for example the offset an append
   * returned: read-your-writes). Opens the shared live connection while it waits. Completes on the
   * I/O thread, or at once if the live state is there already.
   *
   * <p>Waits as {@link #live()} does: as long as the live read retries, which by default is without
   * end; use {@link #awaitOffset(Offset, long, TimeUnit)} to bound the wait. Fails if the live read
   * fails, with {@link StreamClosedException} if the stream is closed before {@code offset}, and
   * with {@code IllegalStateException} if this client is closed before {@code offset} is reached.
   * Disposing stops waiting.
   */
  public Completable awaitOffset(Offset offset) {
    requireNonNull(offset, "offset == null");
    return Completable.defer(
        () -> {
          if (isClosed()) return Completable.error(closedError());
          return cursor
              .updates()
              .filter(u -> u.point().offset().compareTo(offset) >= 0)
              .firstElement()
              .switchIfEmpty(
                  Single.error(() -> endedBefore("offset " + offset.value() + " was reached")))
              .ignoreElement();
        });
  }

  /**
   * As {@link #awaitOffset(Offset)}, but fails with {@link OffsetTimeoutException} if the live
   * state has not reached {@code offset} within {@code timeout}, timed on the builder's {@link
   * Builder#scheduler scheduler}. The live connection then stays open for other subscribers, or
   * closes after the linger.
   *
   * @throws IllegalArgumentException if {@code timeout} is negative.
   */
  public Completable awaitOffset(Offset offset, long timeout, TimeUnit unit) {
    requireNonNull(offset, "offset == null");
    requireNonNull(unit, "unit == null");
    if (timeout < 0) throw new IllegalArgumentException("timeout < 0: " + timeout);
    long millis = unit.toMillis(timeout);
    return awaitOffset(offset)
        .timeout(
            timeout,
            unit,
            scheduler,
            Completable.defer(
                () ->
                    Completable.error(
                        new OffsetTimeoutException(
                            streamUrl, offset, millis, progress.current().liveOffset()))));
  }

  /**
   * What the client is doing: live connection state and position, windows being read and held,
   * messages read, and which read retries, how often it failed and why. The current progress at
   * once, then every change (conflated). Completes on {@link #close()}. Emits on the thread that
   * made the change.
   */
  public Flowable<Progress> progress() {
    return whileOpen(() -> progress.updates().takeUntil(closedSignal));
  }

  /**
   * Closes the live connection (for example when the app goes to the background) without erroring
   * or completing {@link #live()} subscribers: they get nothing until {@link #resume()}. Committed
   * windows are still answered. Idempotent; returns at once.
   *
   * @throws IllegalStateException if this client is closed.
   */
  public void pause() {
    checkOpen();
    cursor.hold(LiveHold.PAUSED);
  }

  /**
   * Reopens the live connection after {@link #pause()}: it catches up from where the last batch it
   * read ended (what the local store holds), then subscribers get every change since. Idempotent;
   * returns at once.
   *
   * @throws IllegalStateException if this client is closed.
   */
  public void resume() {
    checkOpen();
    cursor.release(LiveHold.PAUSED);
    Outbox kept = outbox;
    if (kept != null) kept.online();
  }

  /**
   * What the platform tells this client about the network and the app's visibility, so that the
   * live connection follows them: on Android, {@code RStreamAndroid.bind} drives it; elsewhere the
   * app may. The same object on every call; its calls do nothing once this client is closed.
   */
  public Connectivity connectivity() {
    return connectivity;
  }

  /**
   * Completes every stream this client returned, closes the live connection, cancels window reads
   * in flight and stops its {@linkplain #producer() producer} once what it queued is sent. Returns
   * at once. Idempotent.
   *
   * <p>If the builder was given no {@link OkHttpClient}, the one this client built is shut down
   * (its dispatcher's threads end, its idle connections close) once the producer's queued appends
   * are sent or have failed; at once if none are queued. Nothing else then keeps a JVM alive. An
   * {@link OkHttpClient} or {@link LocalStore} the app gave is the app's: not closed.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed.hasComplete()) return;
      closed.onComplete();
    }
    ChangeProducer made;
    synchronized (this) {
      made = producer;
    }
    cursor.close();
    registry.close();
    progress.complete();
    Outbox kept = outbox;
    Outbox.Link link = outboxLink;
    if (kept != null && link != null) Outboxes.release(store, streamUrl, kept, link);
    if (made != null) {
      // Sends what is queued, then refuses more; a failure is the appends' own to report.
      made.stop().onErrorComplete().doFinally(this::releaseHttp).subscribe();
    } else {
      releaseHttp();
    }
  }

  /** Shuts down the HTTP client this client built, if it built one; never the app's. */
  private void releaseHttp() {
    OkHttpClient http = ownedHttp;
    if (http == null) return;
    // Calls still running finish; the dispatcher's idle threads end now instead of a minute on.
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private StateView view(WindowPoint point, boolean fromStore) {
    return new StateView(point, fromStore, mapper);
  }

  // Two of server-stub's long-poll waits (20 s), and more than two of its SSE heartbeats (15 s).
  private static final long DEFAULT_LIVE_READ_TIMEOUT_MILLIS = 40_000;

  /** Builds an {@link RStreamClient}; checks each argument as it is set. Not thread-safe. */
  public static final class Builder {
    /** The default {@link #memoryBudget}: 16 MiB. */
    public static final long DEFAULT_MEMORY_BUDGET = 16L << 20;

    private @Nullable String streamUrl;
    private @Nullable OkHttpClient okHttpClient;
    private @Nullable LocalStore store;
    private @Nullable ObjectMapper objectMapper;
    private Scheduler scheduler = Schedulers.io();
    private int maxParallelFetches = 4;
    private long memoryBudget = DEFAULT_MEMORY_BUDGET;
    private long lingerMillis = 1_000;
    private long liveReadTimeoutMillis = DEFAULT_LIVE_READ_TIMEOUT_MILLIS;
    private LiveTransport liveTransport = LiveTransport.AUTO;
    private Clock clock = Clock.systemUTC();
    private @Nullable StreamSource source;
    private @Nullable RetryPolicy retryPolicy;
    private @Nullable RetryPolicy oneShotRetryPolicy;
    private @Nullable RetryPolicy liveReconnectPolicy;
    private @Nullable TokenSupplier authToken;
    private RStreamEventListener eventListener = RStreamEventListener.NONE;

    Builder() {}

    /** The state stream's URL, for example {@code http://host/v1/stream/orders}. Required. */
    public Builder streamUrl(String streamUrl) {
      requireNonNull(streamUrl, "streamUrl == null");
      okhttp3.HttpUrl.get(streamUrl); // fails now on a malformed URL, not on first use
      this.streamUrl = streamUrl;
      return this;
    }

    /**
     * The HTTP client to send requests with, shared with the app (and other clients): its
     * connection pool, dispatcher and interceptors. Owned by the app: {@link RStreamClient#close()}
     * leaves it running. If not set, each client builds a default one of its own, which its {@link
     * RStreamClient#close()} shuts down.
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = requireNonNull(okHttpClient, "okHttpClient == null");
      return this;
    }

    /**
     * Where read windows, the index and the live window are kept so that another client (or this
     * app after a restart) does not read them again. If not set, the client holds what it read in
     * memory for its own lifetime only. {@link LocalStore#inMemory()} shares it between clients of
     * one process; a durable store survives restarts.
     */
    public Builder store(LocalStore store) {
      this.store = requireNonNull(store, "store == null");
      return this;
    }

    /** The mapper for {@link StateView#value}; a default {@code ObjectMapper} if not set. */
    public Builder objectMapper(ObjectMapper objectMapper) {
      this.objectMapper = requireNonNull(objectMapper, "objectMapper == null");
      return this;
    }

    /** Where reads run and timers fire; {@link Schedulers#io()} by default. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler == null");
      return this;
    }

    /** The most windows read at the same time; 4 by default. Others wait as PENDING. */
    public Builder maxParallelFetches(int maxParallelFetches) {
      if (maxParallelFetches < 1) throw new IllegalArgumentException("maxParallelFetches < 1");
      this.maxParallelFetches = maxParallelFetches;
      return this;
    }

    /**
     * The most bytes of committed windows this client holds in memory, by an estimate of what each
     * retains (its keyframe's entities and its changes); {@value #DEFAULT_MEMORY_BUDGET} (16 MiB)
     * by default, {@link Long#MAX_VALUE} to hold every window read for the client's lifetime.
     *
     * <p>Beyond it, the least recently used committed windows are dropped from memory: {@link
     * RStreamClient#windows()} still lists them as {@link WindowState#COMMITTED}, with {@link
     * WindowInfo#held()} false, and a later request for a time in one reads it again, from the
     * {@linkplain #store store} when it holds it (no request), else from the server. The live
     * window, and a window being read, are never dropped; a window that alone weighs more than the
     * budget is answered, then dropped. What an app still holds ({@link StateView}s, a {@link
     * RStreamClient#changes} in progress) stays reachable through it, whatever the budget. A store
     * in memory ({@link LocalStore#inMemory()}) keeps its own copy of every window: with it, the
     * budget bounds only the client's share.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative.
     */
    public Builder memoryBudget(long bytes) {
      if (bytes < 0) throw new IllegalArgumentException("memoryBudget < 0: " + bytes);
      this.memoryBudget = bytes;
      return this;
    }

    /**
     * How long the live connection stays open after its last subscriber leaves, so that a quick
     * re-subscribe reuses it; 1 s by default, 0 to close at once.
     */
    public Builder liveLinger(long linger, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (linger < 0) throw new IllegalArgumentException("linger < 0");
      this.lingerMillis = unit.toMillis(linger);
      return this;
    }

    /**
     * How long a live request (an SSE connection or a long-poll) may stay silent before the client
     * takes its connection for dead and reconnects from the last offset applied; 40 s by default. A
     * connection can die without a word (a phone moving from Wi-Fi to cellular, a NAT that forgot
     * it), and then only this notices. server-stub sends an SSE heartbeat every 15 s and answers an
     * idle long-poll after 20 s, so the default notices a dead socket within two of those
     * intervals. Set it above the server's long-poll wait and SSE heartbeat period: a shorter one
     * reconnects a healthy, idle connection over and over. Catch-up reads use the {@link
     * OkHttpClient}'s read timeout.
     *
     * @throws IllegalArgumentException if {@code timeout} is not positive.
     */
    public Builder liveReadTimeout(long timeout, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (timeout <= 0) throw new IllegalArgumentException("liveReadTimeout <= 0: " + timeout);
      this.liveReadTimeoutMillis = unit.toMillis(timeout);
      return this;
    }

    /**
     * How the live cursor tails the stream; {@link LiveTransport#AUTO} (SSE, else long-poll) by
     * default.
     */
    public Builder liveTransport(LiveTransport liveTransport) {
      this.liveTransport = requireNonNull(liveTransport, "liveTransport == null");
      return this;
    }

    /** The clock that decides whether a time is in the future; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * How the requests of this client retry transient failures (network errors, truncated bodies,
     * 429, 5xx): the live read, appends and the producer, and the reads that end unless {@link
     * #oneShotRetryPolicy} is set. If not set, {@link RetryPolicy#defaults()} for the live read and
     * appends: retries without limit, and the live cursor reconnects by itself even should they end
     * (see {@link #liveReconnectPolicy}).
     *
     * <p>When this policy gives up, the last failure surfaces as a {@link TransientException}:
     * unless a {@link #liveReconnectPolicy} is set, the live cursor fails every {@link
     * RStreamClient#live()} subscriber with it (the next subscriber opens a new connection, with a
     * fresh count), and a window read fails every {@link RStreamClient#window} subscriber waiting
     * on it (a later request reads again). While the policy still retries, subscribers see nothing
     * of it; {@link RStreamClient#progress()} shows {@link Progress#retryAttempt()} and {@link
     * Progress#retryCause()} (and {@link Progress.Live#RECONNECTING} for the live read).
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy == null");
      return this;
    }

    /**
     * How reads that end retry transient failures before they fail with a {@link
     * TransientException}: {@link RStreamClient#window}, {@link RStreamClient#changes} and {@link
     * RStreamClient#state()}, with the reads they need (keyframe index, window range, tail HEAD).
     * While they wait on the live state, a run of failures of the live read counts against this
     * policy too, and so does, against its {@link RetryPolicy#maxElapsedMillis() time limit}, a
     * live read that reads nothing new (a server or cache that answers but never moves). An app
     * that prefers to wait without end sets {@link RetryPolicy#defaults()}.
     *
     * <p>If not set: the {@link #retryPolicy retryPolicy} if one is set, else the default backoff
     * limited to 30 s of retrying ({@link RetryPolicy.Builder#maxElapsed}). Does not apply to
     * {@link RStreamClient#live()}, {@link RStreamClient#awaitOffset(Offset)} or appends.
     */
    public Builder oneShotRetryPolicy(RetryPolicy oneShotRetryPolicy) {
      this.oneShotRetryPolicy = requireNonNull(oneShotRetryPolicy, "oneShotRetryPolicy == null");
      return this;
    }

    /**
     * How the live cursor reconnects once its read's {@link #retryPolicy retryPolicy} gave up (or
     * loading the keyframe index to start from gave up after the {@link #oneShotRetryPolicy}): it
     * opens a new read from the last offset it applied, after this policy's delay, and when this
     * policy gives up too it fails every {@link RStreamClient#live()} subscriber with the last
     * {@link TransientException} (the next subscriber opens a new connection, with a fresh count).
     * Any batch the live read delivers starts a fresh run of reconnects. While it reconnects,
     * {@link RStreamClient#progress()} shows {@link Progress.Live#RECONNECTING}.
     *
     * <p>If not set: when a {@link #retryPolicy retryPolicy} is set, none ({@link
     * RetryPolicy#none()}: an app that bounded its retries hears when they run out); otherwise
     * without end, 100 ms after the first failure, doubling up to 5 s. Does not apply to appends or
     * reads that end.
     */
    public Builder liveReconnectPolicy(RetryPolicy liveReconnectPolicy) {
      this.liveReconnectPolicy = requireNonNull(liveReconnectPolicy, "liveReconnectPolicy == null");
      return this;
    }

    /**
     * Sends {@code Authorization: Bearer {token}} with every request of this client (live reads and
     * their reconnects, window and index reads, appends), asking {@code tokens} for the token each
     * time and for a fresh one after a 401; see {@link DurableStream.Builder#authToken}. A token
     * still refused, or a supplier that throws, fails what asked with an {@link
     * AuthenticationException}: every {@link RStreamClient#live()} subscriber for the live read
     * (the next subscriber tries again), the waiting subscribers for a window read.
     */
    public Builder authToken(TokenSupplier tokens) {
      this.authToken = requireNonNull(tokens, "tokens == null");
      return this;
    }

    /**
     * Hears what the client does: requests and their bytes, the live connection, retries, window
     * states, store hits and misses, keyframes applied (see {@link RStreamEventListener}, which
     * says on which threads). {@link RStreamEventListener#NONE} by default, which costs nothing.
     */
    public Builder eventListener(RStreamEventListener eventListener) {
      this.eventListener = requireNonNull(eventListener, "eventListener == null");
      return this;
    }

    /** Tests read from a scripted source instead of HTTP. */
    Builder source(StreamSource source) {
      this.source = requireNonNull(source, "source == null");
      return this;
    }

    /** Builds the client. @throws IllegalStateException if no stream URL was set. */
    public RStreamClient build() {
      if (streamUrl == null && source == null) throw new IllegalStateException("streamUrl == null");
      return new RStreamClient(this);
    }
  }
}
