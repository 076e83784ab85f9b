package dev.rstream.internal.outbox;

import dev.rstream.Change;
import dev.rstream.LocalStore;
import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.ProducerFencedException;
import dev.rstream.RStreamException;
import dev.rstream.RejectedWriteException;
import dev.rstream.SequenceConflictException;
import dev.rstream.StreamClosedException;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import io.reactivex.rxjava3.processors.FlowableProcessor;
import io.reactivex.rxjava3.processors.PublishProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The appends of one stream that the server has not acknowledged yet, kept in an {@link OutboxLog}
 * (a {@link LocalStore} that {@linkplain LocalStore#keepsOutbox keeps an outbox}, or memory), and
 * sent from it in order, one request at a time, by the first {@linkplain #attach attached} client.
 * What this says of the store holds for memory too, but for surviving the process.
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
 * server's and renumbers from 0, once; fenced again, the entries are refused. A fenced head that
 * may already be applied at the old epoch (an attempt's answer was lost, or a previous process sent
 * it) is not renumbered: under the new epoch the server could not know it and would apply it twice.
 * It leaves instead, refused with {@link RejectedWriteException#mayHaveBeenApplied()}. Each
 * renumbering is one store transaction that also removes the refused entry.
 *
 * <p>Thread-safe: state under {@code lock}, requests subscribed outside it. Store calls run on the
 * appending thread ({@link #append}) or on the transport's threads (acknowledgements).
 */
public final class Outbox {
  private static final Logger log = Logger.getLogger(Outbox.class.getName());

  private final String streamUrl;
  private final OutboxLog store;
  private final Object lock = new Object();
  private final Object commitLock = new Object();
  // By seq; the appends still being committed (entry null) are the last ones.
  private final List<PendingAppend> pending = new ArrayList<>();
  private final List<PendingAppend> uncommitted = new ArrayList<>();
  private final List<OutboxLink> links = new ArrayList<>();
  private final FlowableProcessor<Integer> sizes;
  private final FlowableProcessor<RejectedWriteException> rejected =
      PublishProcessor.<RejectedWriteException>create().toSerialized();
  private final OutboxOverlay overlay = new OutboxOverlay();
  private final OutboxBackoff backoff = new OutboxBackoff();
  private @Nullable PendingAppend inFlight;
  private boolean claimedAfterFence;
  private int renumberedForGap;
  // Answers since the outbox was last empty: a flush's counts.
  private int flushAcknowledged;
  private int flushRejected;
  private boolean closed;

  /** The outbox of {@code streamUrl} in {@code store}, which keeps one. */
  Outbox(String streamUrl, LocalStore store) {
    this(streamUrl, new StoredOutboxLog(store, streamUrl));
  }

  Outbox(String streamUrl, OutboxLog store) {
    this.streamUrl = streamUrl;
    this.store = store;
    for (OutboxEntry entry : store.entries()) {
      List<Change> changes = OutboxBodies.decode(entry.body());
      PendingAppend loaded = new PendingAppend(entry.body(), changes, overlay.add(changes));
      loaded.entry = entry;
      // The previous process sent one at a time and removed each acknowledged one with its
      // acknowledgement: only the first may have reached the server unacknowledged.
      loaded.maybeSent = pending.isEmpty();
      pending.add(loaded);
    }
    sizes = BehaviorProcessor.createDefault(pending.size()).toSerialized();
    if (!pending.isEmpty())
      log.info(streamUrl + ": " + pending.size() + " unacknowledged append(s) in the outbox");
  }

  /** Whether the entries outlive the process (kept in a store), not only in memory. */
  public boolean durable() {
    return store.durable();
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
    PendingAppend added;
    synchronized (lock) {
      if (closed) throw new IllegalStateException("outbox closed: " + streamUrl);
      // Under the lock: the overlay's order, this list's and the queue's are the store's order.
      added = new PendingAppend(body, changes, overlay.add(changes));
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
  private void commitQueued(PendingAppend mine) {
    synchronized (commitLock) {
      List<PendingAppend> group;
      synchronized (lock) {
        if (mine.entry != null || mine.writeFailure != null) return;
        group = new ArrayList<>(uncommitted);
      }
      List<String> bodies = new ArrayList<>(group.size());
      for (PendingAppend p : group) bodies.add(p.body);
      List<OutboxEntry> entries;
      try {
        entries = store.add(bodies);
      } catch (RuntimeException e) {
        synchronized (lock) {
          uncommitted.removeAll(group);
          pending.removeAll(group);
          for (PendingAppend p : group) p.writeFailure = e;
          sizes.onNext(pending.size());
        }
        for (PendingAppend p : group) overlay.remove(p.overlayEntry);
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
  public void attach(OutboxLink link) {
    synchronized (lock) {
      links.add(link);
    }
    pump();
  }

  /** Stops sending through {@code link}; a request in flight still records its answer. */
  void detach(OutboxLink link) {
    synchronized (lock) {
      links.remove(link);
      if (links.isEmpty()) backoff.cancel();
    }
    pump();
  }

  /**
   * Fails the answers still waiting: the outbox is no longer sent from this process (every client
   * on it closed). Their entries stay in the store for the next client; in memory they are lost.
   */
  void close() {
    List<PendingAppend> waiting;
    synchronized (lock) {
      closed = true;
      waiting = new ArrayList<>(pending);
    }
    IllegalStateException error =
        new IllegalStateException(
            "client closed before the server acknowledged the append; "
                + (durable()
                    ? "it stays in the outbox of "
                        + streamUrl
                        + " and is sent by the next client on this store"
                    : "the in-memory outbox of " + streamUrl + " is dropped with it"));
    for (PendingAppend p : waiting) p.result.onError(error);
    sizes.onComplete();
    rejected.onComplete();
  }

  /** A sign the network works (resume, a read): send now, or at once if a send on its way fails. */
  public void online() {
    synchronized (lock) {
      if (!backoff.online(inFlight != null)) return;
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
    PendingAppend head;
    OutboxEntry entry;
    OutboxLink link;
    synchronized (lock) {
      if (closed || inFlight != null || backoff.waiting()) return;
      if (pending.isEmpty() || links.isEmpty()) return;
      head = pending.get(0);
      entry = head.entry;
      if (entry == null) return; // its appender sends it once committed
      link = links.get(0);
      inFlight = head;
    }
    Single<AppendResult> request;
    try {
      request = link.sender.send(entry).flatMap(result -> OutboxAnswers.withEcho(result, link));
    } catch (RuntimeException e) {
      request = Single.error(e);
    }
    request.subscribe(
        result -> acknowledged(head, entry, link, result),
        error -> failed(head, entry, link, error));
  }

  private void acknowledged(
      PendingAppend head, OutboxEntry sent, OutboxLink link, AppendResult result) {
    try {
      store.acknowledge(sent.epoch(), sent.seq());
    } catch (RuntimeException e) {
      // Still stored: after a restart it is sent again and answered as a duplicate.
      log.log(Level.WARNING, streamUrl + ": cannot record an acknowledgement in the store", e);
    }
    boolean flushed;
    synchronized (lock) {
      inFlight = null;
      pending.remove(head);
      backoff.reset();
      claimedAfterFence = false;
      renumberedForGap = 0;
      flushAcknowledged++;
      flushed = pending.isEmpty();
      sizes.onNext(pending.size());
    }
    overlay.acknowledged(head.overlayEntry, result.nextOffset());
    head.result.onSuccess(result);
    if (flushed) reportFlush(link);
    pump();
  }

  private void failed(PendingAppend head, OutboxEntry sent, OutboxLink link, Throwable error) {
    List<PendingAppend> refused = new ArrayList<>();
    boolean flushed;
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
        // A head the server may hold at the fenced epoch would be applied twice under the new one:
        // it leaves, told as maybe applied; the rest were never sent and go under the new epoch.
        PendingAppend leaving = head.maybeSent ? head : null;
        renumber(leaving, Math.max(current, epoch) + 1, 0);
        if (leaving != null) {
          refused.add(leaving);
          pending.remove(leaving);
        }
      } else if (error instanceof ProducerFencedException
          || error instanceof StreamClosedException) {
        // Nothing of ours can be written to this stream any more.
        // Those still being committed are sent after and refused then.
        for (PendingAppend p : pending) if (p.entry != null) refused.add(p);
        for (PendingAppend p : refused) removeRefused(p);
      } else if (OutboxAnswers.refusedForGood(error)) {
        refused.add(head);
        removeRefused(head);
      } else {
        head.maybeSent = true;
        backoff.failed(link, error, this::retryElapsed);
        return;
      }
      backoff.reset();
      flushRejected += refused.size();
      flushed = !refused.isEmpty() && pending.isEmpty();
      sizes.onNext(pending.size());
    }
    for (PendingAppend p : refused) {
      overlay.remove(p.overlayEntry); // the rollback: one new version, one view without it
      int status = error instanceof RStreamException ? ((RStreamException) error).status() : 0;
      boolean maybeApplied = p.maybeSent && error instanceof ProducerFencedException;
      RejectedWriteException rejection =
          new RejectedWriteException(streamUrl, p.changes, status, error, maybeApplied);
      log.warning(rejection.getMessage());
      p.result.onError(rejection);
      rejected.onNext(rejection);
    }
    if (flushed) reportFlush(link);
    pump();
  }

  /**
   * Tells {@code link}'s listener of the flush that emptied the outbox, and starts counting anew.
   */
  private void reportFlush(OutboxLink link) {
    int acknowledgedCount;
    int rejectedCount;
    synchronized (lock) {
      acknowledgedCount = flushAcknowledged;
      rejectedCount = flushRejected;
      flushAcknowledged = 0;
      flushRejected = 0;
    }
    if (acknowledgedCount + rejectedCount > 0)
      link.events.outboxFlushed(acknowledgedCount, rejectedCount);
  }

  private void retryElapsed() {
    synchronized (lock) {
      backoff.elapsed();
    }
    pump();
  }

  /**
   * Removes the refused first entry from the store and here; the rest take its number on. Holds the
   * lock.
   */
  private void removeRefused(PendingAppend head) {
    if (pending.isEmpty() || pending.get(0) != head) return;
    OutboxEntry entry = head.committed();
    renumber(head, entry.epoch(), entry.seq());
    pending.remove(head);
  }

  /**
   * Renumbers the entries but {@code removed} from {@code firstSeq} at {@code epoch}, in the store
   * (removing {@code removed} there in the same transaction) and here. Holds the lock.
   */
  private void renumber(@Nullable PendingAppend removed, long epoch, long firstSeq) {
    List<OutboxEntry> stored;
    try {
      stored = store.renumber(removed != null ? removed.committed().seq() : -1, epoch, firstSeq);
    } catch (RuntimeException e) {
      // The next send meets the same answer and tries again.
      log.log(Level.WARNING, streamUrl + ": cannot renumber the outbox", e);
      return;
    }
    int i = 0;
    for (PendingAppend p : pending) {
      if (p == removed) continue;
      if (i < stored.size()) p.entry = stored.get(i++);
    }
  }
}
