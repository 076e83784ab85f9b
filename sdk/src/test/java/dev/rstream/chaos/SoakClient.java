package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.LocalStore;
import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.RetryPolicy;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.File;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One of the soak's clients: an {@link RStreamClient} through the proxy on its own store ({@link
 * LocalStore#inMemory()}, or {@link SqliteStore} that outlives a reopen), a few {@code live()}
 * subscribers that come and go, each view sent to the {@link ViewVerifier}, and its fault-to-state
 * clock. Thread-safe: its methods hold its lock, except where said.
 */
final class SoakClient {
  /** What every client is wired to. */
  record Wiring(
      SoakHttp http,
      TokenIssuer tokens,
      ViewVerifier verifier,
      ClientFigures figures,
      SoakFindings findings,
      LogReplica replica) {}

  final String name;
  private final boolean sqlite;
  private final File file;
  private final Wiring wiring;
  private final LocalStore memory = LocalStore.inMemory();
  private @Nullable SqliteStore store;
  private volatile @Nullable RStreamClient client;
  private final LiveSubscriber[] subscribers =
      new LiveSubscriber[SoakSettings.SUBSCRIBERS_PER_CLIENT];
  private final AtomicLong faultedAt = new AtomicLong();
  private volatile boolean faultedByKill;

  /** Changes on every close and open: a one-shot read that saw it change was cut by a reopen. */
  private final AtomicInteger generation = new AtomicInteger();

  private @Nullable Disposable progress;

  SoakClient(int index, boolean sqlite, File dir, Wiring wiring) {
    this.name = "c" + index;
    this.sqlite = sqlite;
    this.file = new File(dir, "client-" + index + ".db");
    this.wiring = wiring;
  }

  /** The client now, or null while it is closed. Any thread, without the lock. */
  @Nullable RStreamClient client() {
    return client;
  }

  /** See {@link #generation}. Any thread, without the lock. */
  int generation() {
    return generation.get();
  }

  synchronized void open() {
    LocalStore localStore = memory;
    if (sqlite) {
      store = SqliteStore.open(file);
      localStore = store;
    }
    RStreamClient opened =
        RStreamClient.builder()
            .streamUrl(wiring.http().proxiedUrl())
            .okHttpClient(wiring.http().proxied(name))
            .store(localStore)
            .authToken(wiring.tokens().supplier())
            // The soak checks that every window(ts) answer is right, so its one-shot reads wait out
            // any run of faults (as they all did before one-shot reads had a bound); the bound
            // itself is RStreamClientRetryBoundTest's.
            .oneShotRetryPolicy(RetryPolicy.defaults())
            .build();
    client = opened;
    generation.incrementAndGet();
    progress =
        opened
            .progress()
            .map(Progress::live)
            .distinctUntilChanged()
            .subscribe(
                live -> {
                  if (live == Progress.Live.RECONNECTING)
                    wiring.figures().reconnects.incrementAndGet();
                },
                error -> wiring.findings().violation(name + ": progress failed: " + error));
  }

  /** Subscribes subscriber {@code k} to {@code live()}, unless it is subscribed or closed. */
  synchronized void subscribe(int k) {
    RStreamClient current = client;
    if (current == null || subscribers[k] != null) return;
    LiveSubscriber subscriber =
        new LiveSubscriber(name + "/s" + wiring.figures().subscriptions.incrementAndGet());
    subscribers[k] = subscriber;
    subscriber.disposable =
        current
            .live()
            .subscribe(
                view -> {
                  wiring.verifier().received(subscriber, view);
                  if (!view.fromStore()) {
                    boolean kill = faultedByKill;
                    long at = faultedAt.getAndSet(0);
                    if (at != 0) wiring.figures().recovered(System.nanoTime() - at, kill);
                  }
                },
                error -> {
                  if (!wiring.findings().knownFailure(subscriber.name + ": live() failed: ", error))
                    wiring
                        .findings()
                        .violation(
                            subscriber.name + ": live() failed at " + Instant.now() + ": " + error);
                  error.printStackTrace();
                },
                () -> {
                  if (!subscriber.disposing)
                    wiring
                        .findings()
                        .violation(
                            subscriber.name + ": live() completed while the client was open");
                });
  }

  synchronized void unsubscribe(int k) {
    LiveSubscriber subscriber = subscribers[k];
    if (subscriber == null) return;
    subscribers[k] = null;
    subscriber.disposing = true;
    Disposable disposable = subscriber.disposable;
    if (disposable != null) disposable.dispose();
    if (active() == 0) faultedAt.set(0); // no one to see a state: the clock would measure idling
  }

  /** Subscribes subscriber {@code k} if it is not, else unsubscribes it. */
  synchronized void toggle(int k) {
    if (subscribers[k] == null) subscribe(k);
    else unsubscribe(k);
  }

  synchronized int active() {
    int n = 0;
    for (LiveSubscriber subscriber : subscribers) if (subscriber != null) n++;
    return n;
  }

  /** Starts the fault-to-state clock unless it runs already. */
  void faulted(long nanos, boolean kill) {
    if (active() > 0 && faultedAt.compareAndSet(0, nanos)) faultedByKill = kill;
  }

  /** Closes the client (and its SQLite store), then opens both again, with one subscriber. */
  synchronized void reopen() {
    close();
    open();
    subscribe(0);
    wiring.figures().reopens.incrementAndGet();
  }

  /** Closes the client, its subscribers and its SQLite store. */
  synchronized void close() {
    for (LiveSubscriber subscriber : subscribers) {
      if (subscriber != null) subscriber.disposing = true;
    }
    RStreamClient current = client;
    client = null;
    // Before close(): a window(ts) that close() completes empty must see the generation changed.
    generation.incrementAndGet();
    if (current != null) current.close();
    for (int k = 0; k < subscribers.length; k++) unsubscribe(k);
    if (progress != null) progress.dispose();
    if (store != null) {
      store.close();
      store = null;
    }
  }

  /** The client reaches {@code tail} and its live state equals the server's. */
  void checkConverged(Offset tail, long serverHash) {
    RStreamClient current;
    synchronized (this) {
      if (active() == 0) subscribe(0);
      current = client;
    }
    if (current == null) return;
    SoakFindings findings = wiring.findings();
    try {
      current.awaitOffset(tail).blockingAwait(120, SECONDS);
    } catch (RuntimeException e) {
      findings.violation(name + ": did not reach the tail " + tail + ": " + e);
      return;
    }
    StateView view = current.live().firstOrError().timeout(30, SECONDS).blockingGet();
    LogReplica replica = wiring.replica();
    if (view.offset().compareTo(tail) < 0) {
      findings.violation(name + ": live state at " + view.offset() + " after reaching " + tail);
    } else if (StateHash.of(view) != serverHash) {
      findings.violation(
          name
              + ": final state "
              + view
              + " (change "
              + view.change()
              + ") differs from the server's ("
              + replica.changes()
              + " changes, "
              + replica.changesUpTo(view.offset())
              + " up to the view's offset): "
              + StateDiff.describe(view, replica.stateAfter(replica.changes())));
    }
  }
}
