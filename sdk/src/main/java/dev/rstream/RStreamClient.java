package dev.rstream;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.durable.DurableStream;
import dev.rstream.internal.Internal;
import dev.rstream.internal.window.StreamSource;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.io.Closeable;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

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
  static {
    Internal.initialize(new RealInternal());
  }

  /** The client's collaborators, one per job; this class only checks arguments and delegates. */
  private final ClientAssembly parts;

  private RStreamClient(ClientConfig config) {
    this.parts = new ClientAssembly(config);
  }

  /** A builder; {@link Builder#streamUrl} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The URL of the state stream this client follows; answers after {@link #close()} too. */
  public String streamUrl() {
    return parts.streamUrl;
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
    return parts.history.window(time);
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
    return parts.live.state();
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
   * <p>With an outbox (a {@linkplain #durableOutbox() durable} one, or one {@linkplain
   * Builder#memoryOutbox in memory}), each state also shows this app's appends the server has not
   * confirmed yet, applied in append order on top of the confirmed state ({@link
   * StateView#hasPendingWrites()}, {@link StateView#pendingChanges()}, {@link
   * StateView#confirmedJson}): a new view at once on each append (on the appending thread), and one
   * on each refusal, without the refused change. A pending change stays shown after its
   * acknowledgement until a confirmed state holds its echo, and leaves in that same view, so a
   * value never reverts in between. A remote change to the same entity that the server applied
   * before it shows under it until then. {@link #window} for a time after now is {@code live()} and
   * shows them too; {@link #live(String)} and {@link #live(String, String)} show confirmed states
   * only.
   */
  public Flowable<StateView> live() {
    return parts.live.live();
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
    return parts.live.ofType(type);
  }

  /**
   * As {@link #live()}, but only the entity {@code type}/{@code key}, each time its value differs
   * from the one this subscriber got last: its value in the current state at once ({@link
   * EntityView#exists()} false if there is none), then its value after each append that inserts,
   * deletes or changes it. An append that writes the value it had, or touches other entities, wakes
   * no subscriber of this.
   *
   * <p>Shared, hot, ending, emitting and conflating as {@link #live(String)}. The check costs one
   * lookup per append.
   */
  public Flowable<EntityView> live(String type, String key) {
    requireNonNull(type, "type == null");
    requireNonNull(key, "key == null");
    return parts.live.entity(type, key);
  }

  /**
   * Whether {@link #append} keeps what it appends in the {@link LocalStore} until the server
   * acknowledges it (the store {@linkplain LocalStore#keepsOutbox keeps an outbox}, as {@link
   * SqliteStore} does). If false, appends wait in memory only: a process that dies loses those not
   * yet acknowledged; in the {@linkplain Builder#memoryOutbox in-memory outbox} they wait offline
   * for as long as it takes, else an append fails once the retry policy gives up. Answers after
   * {@link #close()} too.
   */
  public boolean durableOutbox() {
    return parts.appends.durableOutbox();
  }

  /**
   * The number of appends waiting in the outbox for the server's acknowledgement (for a "3 changes
   * waiting" badge): the current number at once, then every change, conflated for slow subscribers.
   * Hot, shared by every client on the same store and stream; emits on the thread that changed it
   * (the appending thread, or the transport's I/O thread). Completes on {@link #close()}. The
   * {@linkplain Builder#memoryOutbox in-memory outbox} is this client's alone. Without an outbox:
   * 0, then completes.
   */
  public Flowable<Integer> outboxSize() {
    return parts.appends.outboxSize();
  }

  /**
   * Appends the server refused for good from now on (see {@link RejectedWriteException}): those
   * this client appended, whose {@code Single} fails with the same error, and those appended before
   * a restart, whose {@code Single} is gone. Hot, shared by every client on the same store and
   * stream: subscribe right after building the client to hear of a refusal of what a previous run
   * left in the outbox. Emits on the transport's I/O thread. Completes on {@link #close()}. Without
   * an outbox (durable or {@linkplain Builder#memoryOutbox in memory}): completes at once (refusals
   * fail the append).
   */
  public Flowable<RejectedWriteException> rejectedWrites() {
    return parts.appends.rejectedWrites();
  }

  /**
   * The windows this client holds or is fetching, ordered by start offset: the current set at once,
   * then the set after every change (conflated for slow subscribers). Committed windows that the
   * {@linkplain Builder#memoryBudget memory budget} dropped stay listed with {@link
   * WindowInfo#held()} false. Completes on {@link #close()}. Emits on the thread that changed the
   * set; do not block in it.
   */
  public Flowable<List<WindowInfo>> windows() {
    return parts.history.windows();
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
    return parts.history.changes(from, to);
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
   * <p><b>With an {@linkplain Builder#memoryOutbox in-memory outbox}</b>: the same, but the changes
   * are kept in memory only (lost with the process), the store is not written, and the outbox is
   * this client's alone: closing the client fails the answers still waiting.
   *
   * <p><b>Without an outbox</b>: sent through this client's {@linkplain #producer() idempotent
   * producer}, in memory only: retried on transient failures, and a retry after a lost response
   * never appends twice. Cold: each subscription appends again. Fails with the transport's typed
   * error when retries run out; the next append starts a new producer epoch. Fenced (another
   * instance took the producer's id) or out of sequence, it is sent once more under a new epoch,
   * unless an earlier attempt's answer was lost: then it fails with that {@link
   * ProducerFencedException} or {@link SequenceConflictException}, since the server may have
   * applied it. An append subscribed before {@link #close()} is still sent; one subscribed after
   * fails with {@code IllegalStateException}.
   */
  public Single<Offset> append(Change... changes) {
    requireNonNull(changes, "changes == null");
    return append(Arrays.asList(changes));
  }

  /** Appends {@code changes} in one request; see {@link #append(Change...)}. */
  public Single<Offset> append(List<Change> changes) {
    requireNonNull(changes, "changes == null");
    if (changes.isEmpty()) throw new IllegalArgumentException("no changes to append");
    for (int i = 0; i < changes.size(); i++)
      requireNonNull(changes.get(i), "changes[" + i + "] == null");
    return parts.appends.append(changes);
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
  public ChangeProducer producer() {
    return parts.appends.producer();
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
    return parts.appends.awaitOffset(offset);
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
    return parts.appends.awaitOffset(offset, timeout, unit);
  }

  /**
   * What the client is doing: live connection state and position, windows being read and held,
   * messages read, and which read retries, how often it failed and why. The current progress at
   * once, then every change (conflated). Completes on {@link #close()}. Emits on the thread that
   * made the change.
   */
  public Flowable<Progress> progress() {
    return parts.gate.openUntilClosed(parts.progress::updates);
  }

  /**
   * Closes the live connection (for example when the app goes to the background) without erroring
   * or completing {@link #live()} subscribers: they get nothing until {@link #resume()}. Committed
   * windows are still answered. Idempotent; returns at once.
   *
   * @throws IllegalStateException if this client is closed.
   */
  public void pause() {
    parts.lifecycle.pause();
  }

  /**
   * Reopens the live connection after {@link #pause()}: it catches up from where the last batch it
   * read ended (what the local store holds), then subscribers get every change since. Idempotent;
   * returns at once.
   *
   * @throws IllegalStateException if this client is closed.
   */
  public void resume() {
    parts.lifecycle.resume();
  }

  /**
   * What the platform tells this client about the network and the app's visibility, so that the
   * live connection follows them: on Android, {@code RStreamAndroid.bind} drives it; elsewhere the
   * app may. The same object on every call; its calls do nothing once this client is closed.
   */
  public Connectivity connectivity() {
    return parts.connectivity;
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
    parts.lifecycle.close();
  }

  /** Builds an {@link RStreamClient}; checks each argument as it is set. Not thread-safe. */
  public static final class Builder {
    /** The default {@link #memoryBudget}: 16 MiB. */
    public static final long DEFAULT_MEMORY_BUDGET = 16L << 20;

    private final ClientConfig config = new ClientConfig();

    Builder() {}

    /** The state stream's URL, for example {@code http://host/v1/stream/orders}. Required. */
    public Builder streamUrl(String streamUrl) {
      config.streamUrl(streamUrl);
      return this;
    }

    /**
     * The HTTP client to send requests with, shared with the app (and other clients): its
     * connection pool, dispatcher and interceptors. Owned by the app: {@link RStreamClient#close()}
     * leaves it running. If not set, each client builds a default one of its own, which its {@link
     * RStreamClient#close()} shuts down.
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      config.okHttpClient(okHttpClient);
      return this;
    }

    /**
     * Where read windows, the index and the live window are kept so that another client (or this
     * app after a restart) does not read them again. If not set, the client holds what it read in
     * memory for its own lifetime only. {@link LocalStore#inMemory()} shares it between clients of
     * one process; a durable store survives restarts.
     */
    public Builder store(LocalStore store) {
      config.store(store);
      return this;
    }

    /**
     * Whether {@link RStreamClient#append} writes through an outbox kept in memory when the store
     * keeps none (no store, or {@link LocalStore#keepsOutbox} false): as with a durable outbox,
     * appends show in views at once, go out in append order whenever the client is online and wait
     * offline for as long as it takes, {@link RStreamClient#outboxSize()} counts them and a refusal
     * fails with {@link RejectedWriteException}; but they are lost with the process or on {@link
     * RStreamClient#close()}, and {@link RStreamClient#durableOutbox()} stays false to say so. Off
     * by default: appends then go through the {@linkplain RStreamClient#producer() producer}. A
     * store that keeps an outbox always uses it.
     */
    public Builder memoryOutbox(boolean enabled) {
      config.memoryOutbox = enabled;
      return this;
    }

    /** The mapper for {@link StateView#value}; a default {@code ObjectMapper} if not set. */
    public Builder objectMapper(ObjectMapper objectMapper) {
      config.objectMapper(objectMapper);
      return this;
    }

    /** Where reads run and timers fire; {@link Schedulers#io()} by default. */
    public Builder scheduler(Scheduler scheduler) {
      config.scheduler(scheduler);
      return this;
    }

    /** The most windows read at the same time; 4 by default. Others wait as PENDING. */
    public Builder maxParallelFetches(int maxParallelFetches) {
      config.maxParallelFetches(maxParallelFetches);
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
      config.memoryBudget(bytes);
      return this;
    }

    /**
     * How long the live connection stays open after its last subscriber leaves, so that a quick
     * re-subscribe reuses it; 1 s by default, 0 to close at once.
     */
    public Builder liveLinger(long linger, TimeUnit unit) {
      config.liveLinger(linger, unit);
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
      config.liveReadTimeout(timeout, unit);
      return this;
    }

    /**
     * How the live cursor tails the stream; {@link LiveTransport#AUTO} (SSE, else long-poll) by
     * default.
     */
    public Builder liveTransport(LiveTransport liveTransport) {
      config.liveTransport(liveTransport);
      return this;
    }

    /** The clock that decides whether a time is in the future; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      config.clock(clock);
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
      config.retryPolicy(retryPolicy);
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
      config.oneShotRetryPolicy(oneShotRetryPolicy);
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
      config.liveReconnectPolicy(liveReconnectPolicy);
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
      config.authToken(tokens);
      return this;
    }

    /**
     * Hears what the client does: requests and their bytes, the live connection, retries, window
     * states, store hits and misses, keyframes applied (see {@link RStreamEventListener}, which
     * says on which threads). {@link RStreamEventListener#NONE} by default, which costs nothing.
     */
    public Builder eventListener(RStreamEventListener eventListener) {
      config.eventListener(eventListener);
      return this;
    }

    /** Tests read from a scripted source instead of HTTP. */
    Builder source(StreamSource source) {
      config.source(source);
      return this;
    }

    /** Builds the client. @throws IllegalStateException if no stream URL was set. */
    public RStreamClient build() {
      config.checkComplete();
      return new RStreamClient(config);
    }
  }
}
