package dev.rstream.internal.outbox;

import dev.rstream.Change;
import dev.rstream.ConflictException;
import dev.rstream.LocalStore;
import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.Offset;
import dev.rstream.ProducerFencedException;
import dev.rstream.RStreamException;
import dev.rstream.RejectedWriteException;
import dev.rstream.RetryPolicy;
import dev.rstream.SequenceConflictException;
import dev.rstream.StreamClosedException;
import dev.rstream.UnexpectedStatusException;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import io.reactivex.rxjava3.processors.FlowableProcessor;
import io.reactivex.rxjava3.processors.PublishProcessor;
import io.reactivex.rxjava3.subjects.SingleSubject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The appends of one stream that the server has not acknowledged yet, kept in a {@link LocalStore}
 * that {@linkplain LocalStore#keepsOutbox keeps an outbox}, and sent from it in order, one request
 * at a time, by the first {@linkplain #attach attached} client.
 *
 * <p><b>Which producer identity.</b> Every entry is written together with the outbox producer's id,
 * epoch and its own sequence number, in one store transaction, before {@link #append} returns; a
 * retry (in this process or after a restart) sends exactly that triple again. A restarted client
 * therefore keeps the stored epoch and the stored numbers; it does not take the next epoch. The
 * server's idempotent producer (PROTOCOL 1) accepts {@code seq == lastSeq + 1}, answers any {@code
 * seq <= lastSeq} of the current epoch as a duplicate without applying it, and resets numbering at
 * a new epoch: an entry the server applied before a crash but whose acknowledgement was never
 * stored is recognised only at its own (epoch, seq). Under a new epoch it would start over at seq 0
 * and be applied twice. Keeping the epoch is safe because no second writer can hold it: the store
 * file is locked to one process, and in a process all clients on one store share one {@code Outbox}
 * per stream ({@link Outboxes}), so one sender at a time owns the identity. (The epoch bump of
 * {@code RStreamClient.producer()} exists to fence a stuck older instance; the outbox has none.)
 *
 * <p><b>When numbers change.</b> Only when the server's own state says they must: an entry refused
 * for good leaves the outbox and the ones after it move down by one (the server never advanced past
 * the refused number, so nothing after it was applied); a gap answer naming a number below ours
 * (the server forgot the producer: idle expiry, a re-created stream) renumbers from that number; a
 * fenced answer (some other writer took a newer epoch of our id) claims the epoch after the
 * server's and renumbers from 0, once; fenced again, the entries are refused. Each renumbering is
 * one store transaction that also removes the refused entry.
 *
 * <p>Thread-safe: state under {@code lock}, requests subscribed outside it. Store calls run on the
 * appending thread ({@link #append}) or on the transport's threads (acknowledgements).
 */
public final class Outbox {
  private static final Logger log = Logger.getLogger(Outbox.class.getName());

  /** Sends one entry: a POST with its producer headers, no retries of its own. */
  public interface Sender {
    Single<AppendResult> send(OutboxEntry entry);
  }

  /** Reads the stream's tail offset now. */
  public interface Tail {
    Single<Offset> read();
  }

  /** An attached client's way to send, and how it retries transient failures. */
  public static final class Link {
    final Sender sender;
    final Tail tail;
    final RetryPolicy policy;
    final Scheduler scheduler;

    public Link(Sender sender, Tail tail, RetryPolicy policy, Scheduler scheduler) {
      this.sender = sender;
      this.tail = tail;
      this.policy = policy;
      this.scheduler = scheduler;
    }
  }

  private final String streamUrl;
  private final LocalStore store;
  private final Object lock = new Object();
  private final Object commitLock = new Object();
  // By seq; the appends still being committed (entry null) are the last ones.
  private final List<Pending> pending = new ArrayList<>();
  private final List<Pending> uncommitted = new ArrayList<>();
  private final List<Link> links = new ArrayList<>();
  private final FlowableProcessor<Integer> sizes;
  private final FlowableProcessor<RejectedWriteException> rejected =
      PublishProcessor.<RejectedWriteException>create().toSerialized();
  private final OutboxOverlay overlay = new OutboxOverlay();
  private @Nullable Pending inFlight;
  private @Nullable Disposable retryTimer;
  private boolean waitingForOnline;
  private int failures;
  private long failingSinceMillis;
  private boolean claimedAfterFence;
  private int renumberedForGap;
  private boolean closed;

  Outbox(String streamUrl, LocalStore store) {
    this.streamUrl = streamUrl;
    this.store = store;
    for (OutboxEntry entry : store.outbox(streamUrl)) {
      List<Change> changes = OutboxBodies.decode(entry.body());
      Pending loaded = new Pending(entry.body(), changes, overlay.add(changes));
      loaded.entry = entry;
      pending.add(loaded);
    }
    sizes = BehaviorProcessor.createDefault(pending.size()).toSerialized();
    if (!pending.isEmpty())
      log.info(streamUrl + ": " + pending.size() + " unacknowledged append(s) in the outbox");
  }

  /**
   * Shows {@code changes} in the overlay at once (views built on this thread), then writes them to
   * the store as the next entry and returns the hot answer: the server's acknowledgement, or a
   * {@link RejectedWriteException}. Returns only once the entry is committed: appends made
   * meanwhile on other threads are committed with it, in one transaction (a group commit, see
   * {@link #commitQueued}). If the store cannot write, the answer fails with its {@code
   * LocalStoreException} and the overlay drops the changes again: then nothing was added.
   *
   * <p>What a view shows is therefore ahead of the store by at most the appends still returning: a
   * process killed in between loses exactly those, whose callers never got their answer. Views do
   * not wait for the commit because nothing they show is promised to survive until {@code append}
   * returns; the commit does not hold the lock, so sending and acknowledging go on meanwhile.
   */
  public Single<AppendResult> append(List<Change> changes) {
    String body = OutboxBodies.encode(changes);
    Pending added;
    synchronized (lock) {
      if (closed) throw new IllegalStateException("outbox closed: " + streamUrl);
      // Under the lock: the overlay's order, this list's and the queue's are the store's order.
      added = new Pending(body, changes, overlay.add(changes));
      pending.add(added);
      uncommitted.add(added);
      sizes.onNext(pending.size());
    }
    overlay.publish();
    commitQueued(added);
    RuntimeException failure = added.writeFailure;
    if (failure != null) return Single.error(failure);
    pump();
    return added.result.hide();
  }

  /**
   * Commits every queued append up to and including {@code mine}, unless an earlier caller's commit
   * already took it. One caller at a time commits, taking all that were queued when it started:
   * callers that queued meanwhile wait here and are then committed together, so concurrent appends
   * share a transaction. Queue order is the order of the sequence numbers the store gives them.
   */
  private void commitQueued(Pending mine) {
    synchronized (commitLock) {
      List<Pending> group;
      synchronized (lock) {
        if (mine.entry != null || mine.writeFailure != null) return;
        group = new ArrayList<>(uncommitted);
      }
      List<String> bodies = new ArrayList<>(group.size());
      for (Pending p : group) bodies.add(p.body);
      List<OutboxEntry> entries;
      try {
        entries = store.addToOutbox(streamUrl, "rstream-" + UUID.randomUUID(), bodies);
      } catch (RuntimeException e) {
        synchronized (lock) {
          uncommitted.removeAll(group);
          pending.removeAll(group);
          for (Pending p : group) p.writeFailure = e;
          sizes.onNext(pending.size());
        }
        for (Pending p : group) overlay.remove(p.overlayEntry);
        return;
      }
      synchronized (lock) {
        uncommitted.removeAll(group);
        for (int i = 0; i < group.size(); i++) {
          // A renumbering in between already gave it its entry as the store holds it now.
          if (group.get(i).entry == null) group.get(i).entry = entries.get(i);
        }
      }
    }
  }

  /** Starts sending through {@code link} if no earlier attached client sends. */
  public void attach(Link link) {
    synchronized (lock) {
      links.add(link);
    }
    pump();
  }

  /** Stops sending through {@code link}; a request in flight still records its answer. */
  void detach(Link link) {
    synchronized (lock) {
      links.remove(link);
      if (links.isEmpty() && retryTimer != null) {
        retryTimer.dispose();
        retryTimer = null;
      }
    }
    pump();
  }

  /**
   * Fails the answers still waiting: the outbox is no longer sent from this process (every client
   * on it closed). Their entries stay in the store for the next client.
   */
  void close() {
    List<Pending> waiting;
    synchronized (lock) {
      closed = true;
      waiting = new ArrayList<>(pending);
    }
    IllegalStateException error =
        new IllegalStateException(
            "client closed before the server acknowledged the append; it stays in the outbox of "
                + streamUrl
                + " and is sent by the next client on this store");
    for (Pending p : waiting) p.result.onError(error);
    sizes.onComplete();
    rejected.onComplete();
  }

  /** A sign that the network works (resume, a successful read): retry now instead of waiting. */
  public void online() {
    synchronized (lock) {
      if (!waitingForOnline && retryTimer == null) return;
      waitingForOnline = false;
      if (retryTimer != null) retryTimer.dispose();
      retryTimer = null;
    }
    pump();
  }

  /** The number of unacknowledged appends now, then after every change. Hot. */
  public Flowable<Integer> sizes() {
    return sizes.onBackpressureLatest();
  }

  /** Appends refused for good from now on, including ones appended before a restart. Hot. */
  public Flowable<RejectedWriteException> rejected() {
    return rejected.onBackpressureBuffer();
  }

  /** The changes views show over the confirmed state. */
  public OutboxOverlay overlay() {
    return overlay;
  }

  /** Sends the first entry if nothing is in flight, a client is attached and no wait is on. */
  private void pump() {
    Pending head;
    OutboxEntry entry;
    Link link;
    synchronized (lock) {
      if (closed || inFlight != null || retryTimer != null || waitingForOnline) return;
      if (pending.isEmpty() || links.isEmpty()) return;
      head = pending.get(0);
      entry = head.entry;
      if (entry == null) return; // its appender sends it once committed
      link = links.get(0);
      inFlight = head;
    }
    Single<AppendResult> request;
    try {
      request = link.sender.send(entry).flatMap(result -> withEcho(result, link));
    } catch (RuntimeException e) {
      request = Single.error(e);
    }
    request.subscribe(
        result -> acknowledged(head, entry, result), error -> failed(head, entry, link, error));
  }

  /**
   * The answer with the offset the overlay waits for before it drops the entry. A duplicate answer
   * names none (the server applied the entry before, at an offset it does not repeat): the tail
   * read after it is at or past that offset, so a confirmed state there holds the entry. Dropping
   * it at once instead would show the older value in every view before the live state reaches it. A
   * failed tail read fails the send, which is retried and answered as a duplicate again.
   */
  private static Single<AppendResult> withEcho(AppendResult result, Link link) {
    if (result.nextOffset() != null || !result.duplicate()) return Single.just(result);
    return link.tail
        .read()
        .map(
            tail ->
                AppendResult.builder()
                    .status(result.status())
                    .nextOffset(tail)
                    .streamClosed(result.streamClosed())
                    .duplicate(true)
                    .producerEpoch(result.producerEpoch())
                    .producerSeq(result.producerSeq())
                    .headers(result.headers())
                    .build());
  }

  private void acknowledged(Pending head, OutboxEntry sent, AppendResult result) {
    try {
      store.acknowledgeOutbox(streamUrl, sent.epoch(), sent.seq());
    } catch (RuntimeException e) {
      // Still stored: after a restart it is sent again and answered as a duplicate.
      log.log(Level.WARNING, streamUrl + ": cannot record an acknowledgement in the store", e);
    }
    synchronized (lock) {
      inFlight = null;
      pending.remove(head);
      failures = 0;
      claimedAfterFence = false;
      renumberedForGap = 0;
      sizes.onNext(pending.size());
    }
    overlay.acknowledged(head.overlayEntry, result.nextOffset());
    head.result.onSuccess(result);
    pump();
  }

  private void failed(Pending head, OutboxEntry sent, Link link, Throwable error) {
    List<Pending> refused = new ArrayList<>();
    synchronized (lock) {
      inFlight = null;
      if (!pending.contains(head) || closed) return;
      long epoch = sent.epoch();
      if (error instanceof SequenceConflictException
          && ((SequenceConflictException) error).expectedSeq() >= 0
          && ((SequenceConflictException) error).expectedSeq() < sent.seq()
          && renumberedForGap++ < 3) {
        renumber(null, epoch, ((SequenceConflictException) error).expectedSeq());
      } else if (error instanceof ProducerFencedException && !claimedAfterFence) {
        claimedAfterFence = true;
        long current = ((ProducerFencedException) error).currentEpoch();
        renumber(null, Math.max(current, epoch) + 1, 0);
      } else if (error instanceof ProducerFencedException
          || error instanceof StreamClosedException) {
        // Nothing of ours can be written to this stream any more.
        // Those still being committed are sent after and refused then.
        for (Pending p : pending) if (p.entry != null) refused.add(p);
        for (Pending p : refused) removeRefused(p);
      } else if (refusedForGood(error)) {
        refused.add(head);
        removeRefused(head);
      } else {
        retryLater(link, error);
        return;
      }
      sizes.onNext(pending.size());
    }
    for (Pending p : refused) {
      overlay.remove(p.overlayEntry); // the rollback: one new version, one view without it
      int status = error instanceof RStreamException ? ((RStreamException) error).status() : 0;
      RejectedWriteException rejection =
          new RejectedWriteException(streamUrl, p.changes, status, error);
      log.warning(rejection.getMessage());
      p.result.onError(rejection);
      rejected.onNext(rejection);
    }
    pump();
  }

  /** 400, 413 and other refusals of the request itself; not 408/429 (transient) or auth. */
  private static boolean refusedForGood(Throwable error) {
    if (error instanceof UnexpectedStatusException) {
      int status = ((UnexpectedStatusException) error).status();
      return status >= 400 && status < 500 && status != 408 && status != 429 && status != 403;
    }
    return error instanceof ConflictException && !(error instanceof SequenceConflictException);
  }

  /**
   * Removes the refused first entry from the store and here; the rest take its number on. Holds the
   * lock.
   */
  private void removeRefused(Pending head) {
    if (pending.isEmpty() || pending.get(0) != head) return;
    OutboxEntry entry = head.committed();
    renumber(head, entry.epoch(), entry.seq());
    pending.remove(head);
  }

  /**
   * Renumbers the entries but {@code removed} from {@code firstSeq} at {@code epoch}, in the store
   * (removing {@code removed} there in the same transaction) and here. Holds the lock.
   */
  private void renumber(@Nullable Pending removed, long epoch, long firstSeq) {
    List<OutboxEntry> stored;
    try {
      stored =
          store.renumberOutbox(
              streamUrl, removed != null ? removed.committed().seq() : -1, epoch, firstSeq);
    } catch (RuntimeException e) {
      // The next send meets the same answer and tries again.
      log.log(Level.WARNING, streamUrl + ": cannot renumber the outbox", e);
      return;
    }
    int i = 0;
    for (Pending p : pending) {
      if (p == removed) continue;
      if (i < stored.size()) p.entry = stored.get(i++);
    }
  }

  private void retryLater(Link link, Throwable error) {
    long now = link.scheduler.now(TimeUnit.MILLISECONDS);
    if (failures == 0) failingSinceMillis = now;
    int retry = failures++;
    if (!link.policy.allows(retry, now - failingSinceMillis)) {
      // The policy gave up: keep everything and wait for a sign of the network.
      waitingForOnline = true;
      log.fine(streamUrl + ": outbox waits for the network: " + error);
      return;
    }
    long delay = link.policy.delayMillis(retry, 0);
    retryTimer =
        link.scheduler.scheduleDirect(
            () -> {
              synchronized (lock) {
                retryTimer = null;
              }
              pump();
            },
            delay,
            TimeUnit.MILLISECONDS);
  }

  static byte[] bytes(OutboxEntry entry) {
    return entry.body().getBytes(StandardCharsets.UTF_8);
  }

  private static final class Pending {
    final String body;
    // Null until committed; then as the store holds it (a renumbering replaces it).
    volatile @Nullable OutboxEntry entry;
    volatile @Nullable RuntimeException writeFailure;
    final List<Change> changes;
    final OutboxOverlay.Entry overlayEntry;
    final SingleSubject<AppendResult> result = SingleSubject.create();

    Pending(String body, List<Change> changes, OutboxOverlay.Entry overlayEntry) {
      this.body = body;
      this.changes = changes;
      this.overlayEntry = overlayEntry;
    }

    OutboxEntry committed() {
      OutboxEntry committed = entry;
      if (committed == null) throw new IllegalStateException("not committed yet");
      return committed;
    }
  }
}
