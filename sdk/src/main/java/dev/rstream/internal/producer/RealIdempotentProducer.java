package dev.rstream.internal.producer;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.rstream.ProducerFencedException;
import dev.rstream.RejectedWriteException;
import dev.rstream.SequenceConflictException;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.internal.http.JsonBodies;
import dev.rstream.internal.http.StreamCalls;
import dev.rstream.internal.http.StreamCalls.ProducerHeaders;
import dev.rstream.internal.retry.Recovery;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;
import okhttp3.MediaType;
import org.jspecify.annotations.Nullable;

/**
 * The idempotent producer. Messages are copied straight into the body of the {@code open} batch
 * until it is sealed (full by bytes or items, linger elapsed, or a send slot free with nothing
 * queued); sealed batches wait in {@code queue} and get their sequence number when sent, in queue
 * order, so numbers follow the order of the wire. All state is guarded by {@code lock}; requests
 * are enqueued under it (cheap: OkHttp only queues them) so that their order on the wire is the
 * order of their numbers.
 *
 * <p>Every message of a batch has the same outcome, so an append allocates nothing of its own: it
 * returns its batch's {@code Single}, and its bytes are copied once, into the batch's body.
 */
public final class RealIdempotentProducer implements IdempotentProducer {
  private static final Logger logger = Logger.getLogger(RealIdempotentProducer.class.getName());

  /** How often a batch that hit a gap left by our own in-flight batches is re-sent. */
  private static final int MAX_GAP_RETRIES = 50;

  private final StreamCalls calls;
  private final ProducerOptions options;
  private final Scheduler scheduler;
  private final boolean json;

  private final Object lock = new Object();

  /** The batch appends go into; null until the first append after a seal. */
  private @Nullable ProducerBatch open;

  /** The body size of the last sealed batch: the next one starts that big, so it rarely grows. */
  private int lastBodySize = ProducerBatch.MIN_BODY_CAPACITY;

  private final ArrayDeque<ProducerBatch> queue = new ArrayDeque<>();
  private final Set<ProducerBatch> unacknowledged = new LinkedHashSet<>();
  private final List<ProducerBatch> fenced = new ArrayList<>();

  /**
   * Batches the server saw before their predecessor (a 409 gap: pipelined requests travel on
   * several connections and can overtake each other), keyed by the predecessor's seq: each is
   * re-sent as soon as that one is acknowledged, so a reordering costs one round trip, not a timer.
   */
  private final Map<Long, ProducerBatch> parked = new HashMap<>();

  /** The highest seq of this epoch up to which every batch is acknowledged. */
  private long ackedThrough = -1;

  private final TreeSet<Long> ackedAbove = new TreeSet<>();
  private int inFlight;
  private long epoch;
  private long nextSeq;

  /** A new epoch must start at seq 0 before anything else of it reaches the server. */
  private boolean firstOfEpoch = true;

  private boolean claiming;
  private long claimEpoch;
  private @Nullable Throwable failure;
  private boolean stopped;
  private @Nullable ProducerBatch closeBatch;
  private @Nullable Disposable linger;

  public RealIdempotentProducer(StreamCalls calls, ProducerOptions options) {
    this.calls = calls;
    this.options = options;
    this.scheduler = calls.endpoint().scheduler();
    this.epoch = options.epoch();
    MediaType type = MediaType.get(options.contentType());
    this.json = "application".equals(type.type()) && "json".equals(type.subtype());
  }

  @Override
  public Single<AppendResult> appendJson(String value) {
    requireNonNull(value, "json == null");
    if (!json) {
      throw new IllegalStateException("appendJson on a producer for " + options.contentType());
    }
    return enqueue(java.util.Collections.singletonList(JsonBodies.checkedValue(value, "json")));
  }

  @Override
  public Single<AppendResult> appendJson(List<String> values) {
    requireNonNull(values, "values == null");
    if (!json) {
      throw new IllegalStateException("appendJson on a producer for " + options.contentType());
    }
    if (values.isEmpty()) throw new IllegalArgumentException("values is empty");
    List<byte[]> checked = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      String value = values.get(i);
      requireNonNull(value, "values[" + i + "] == null");
      checked.add(JsonBodies.checkedValue(value, "values[" + i + "]"));
    }
    return enqueue(checked);
  }

  @Override
  public Single<AppendResult> append(byte[] data) {
    requireNonNull(data, "data == null");
    if (data.length == 0) throw new IllegalArgumentException("data is empty");
    if (json) {
      return enqueue(
          java.util.Collections.singletonList(
              JsonBodies.checkedValue(
                  new String(data, java.nio.charset.StandardCharsets.UTF_8), "data")));
    }
    // Copied into the batch body under the lock: no clone needed.
    return enqueue(java.util.Collections.singletonList(data));
  }

  /** Adds {@code messages} to the open batch together: a batch is only sealed between calls. */
  private Single<AppendResult> enqueue(List<byte[]> messages) {
    synchronized (lock) {
      if (failure != null) return Single.error(failure);
      if (stopped) return Single.error(new IllegalStateException("producer is closed"));
      ProducerBatch batch = open;
      if (batch == null) {
        batch = new ProducerBatch(false, (int) Math.min(lastBodySize, options.maxBatchBytes() + 2));
        open = batch;
      }
      for (byte[] data : messages) batch.add(data, json);
      Single<AppendResult> result = batch.shared;
      if (batch.size >= options.maxBatchBytes() || batch.count >= options.maxBatchItems()) {
        seal();
      } else if (options.lingerMillis() == 0) {
        // No linger: go now if a slot is free; otherwise accumulate until an answer frees one.
        if (queue.isEmpty() && inFlight < sendLimit() && !claiming) seal();
      } else if (linger == null) {
        linger =
            scheduler.scheduleDirect(this::lingerElapsed, options.lingerMillis(), MILLISECONDS);
      }
      pump();
      return result;
    }
  }

  private void lingerElapsed() {
    synchronized (lock) {
      linger = null;
      // With every slot taken the batch keeps growing; the next answer seals and sends it.
      if (failure == null && queue.isEmpty() && inFlight < sendLimit() && !claiming) {
        seal();
        pump();
      }
    }
  }

  /** Moves pending messages into a queued batch. Holds the lock. */
  private void seal() {
    if (linger != null) {
      linger.dispose();
      linger = null;
    }
    ProducerBatch batch = open;
    if (batch == null) return;
    open = null;
    batch.seal(json);
    lastBodySize = Math.max(ProducerBatch.MIN_BODY_CAPACITY, batch.body.length);
    queue.add(batch);
    unacknowledged.add(batch);
  }

  private int sendLimit() {
    return firstOfEpoch ? 1 : options.maxInFlight();
  }

  /** Sends queued batches while slots are free. Holds the lock. */
  private void pump() {
    while (failure == null && !claiming && !queue.isEmpty()) {
      ProducerBatch batch = queue.peek();
      if (inFlight >= sendLimit()) return;
      // A close goes last: nothing of ours may arrive after the stream is closed.
      if (batch.close && inFlight > 0) return;
      queue.poll();
      batch.epoch = epoch;
      batch.seq = nextSeq++;
      inFlight++;
      send(batch);
    }
  }

  private void send(ProducerBatch batch) {
    String contentType = batch.body.length == 0 ? null : options.contentType();
    calls
        .append(
            batch.body,
            contentType,
            null,
            batch.close,
            new ProducerHeaders(options.producerId(), batch.epoch, batch.seq),
            options.headers())
        .subscribe(result -> onAcknowledged(batch, result), error -> onFailed(batch, error));
  }

  private void onAcknowledged(ProducerBatch batch, AppendResult result) {
    synchronized (lock) {
      inFlight--;
      unacknowledged.remove(batch);
      if (batch.epoch == epoch) {
        firstOfEpoch = false;
        recordAck(batch.seq);
        ProducerBatch successor = parked.remove(batch.seq);
        if (successor != null) send(successor);
      }
      if (claiming && inFlight == 0) finishClaim();
      // Nothing queued and a free slot: send what accumulated meanwhile rather than wait.
      if (queue.isEmpty() && open != null) seal();
      pump();
    }
    batch.complete(result);
  }

  private void onFailed(ProducerBatch batch, Throwable error) {
    if (error instanceof ProducerFencedException && options.autoClaim()) {
      onFenced(batch, (ProducerFencedException) error);
    } else {
      onRefused(batch, error);
    }
  }

  /**
   * Claims the epoch after the server's; the fenced batches go again under it once every batch of
   * the fenced epoch has answered, except one that followed a lost answer (see {@link
   * Recovery#afterRetry}): the server may hold it at the fenced epoch and would apply it a second
   * time under the new one, so it fails, as maybe applied, and is not sent again.
   */
  private void onFenced(ProducerBatch batch, ProducerFencedException error) {
    boolean mayHaveBeenApplied = Recovery.afterRetry(error);
    synchronized (lock) {
      inFlight--;
      if (mayHaveBeenApplied) {
        unacknowledged.remove(batch);
      } else {
        fenced.add(batch);
      }
      // Parked batches belong to the fenced epoch too: they go again after the claim.
      inFlight -= parked.size();
      fenced.addAll(parked.values());
      parked.clear();
      long next = Math.max(error.currentEpoch(), batch.epoch) + 1;
      claimEpoch = claiming ? Math.max(claimEpoch, next) : next;
      claiming = true;
      if (inFlight == 0) finishClaim();
      pump();
    }
    if (mayHaveBeenApplied) {
      batch.fail(
          new RejectedWriteException(
              calls.endpoint().displayUrl(), Collections.emptyList(), error.status(), error, true));
    }
  }

  /** A failure other than a fence auto-claim cures: a gap is re-sent, anything else is fatal. */
  private void onRefused(ProducerBatch batch, Throwable error) {
    synchronized (lock) {
      if (error instanceof SequenceConflictException
          && batch.epoch == epoch
          && batch.gapRetries < MAX_GAP_RETRIES) {
        long expected = ((SequenceConflictException) error).expectedSeq();
        if (expected >= 0 && expected < batch.seq && failure == null) {
          // Every lower number of this epoch is ours and none failed: the server saw this
          // batch before an earlier one that is still on its way (or whose answer we have
          // not processed yet). Send it again once its predecessor has landed.
          batch.gapRetries++;
          if (isAcked(batch.seq - 1)) {
            send(batch);
          } else {
            parked.put(batch.seq - 1, batch);
          }
          return;
        }
      }
      inFlight--;
      fail(error); // fails this batch too: it is still unacknowledged
    }
  }

  /**
   * Every in-flight batch of the fenced epoch has answered: re-send the fenced ones at the new
   * epoch.
   */
  private void finishClaim() {
    logger.info(
        calls.endpoint().displayUrl()
            + ": producer "
            + options.producerId()
            + " fenced, claiming epoch "
            + claimEpoch);
    epoch = claimEpoch;
    nextSeq = 0;
    ackedThrough = -1;
    ackedAbove.clear();
    firstOfEpoch = true;
    claiming = false;
    fenced.sort(Comparator.comparingLong(b -> b.seq));
    for (int i = fenced.size() - 1; i >= 0; i--) queue.addFirst(fenced.get(i));
    fenced.clear();
  }

  private void recordAck(long seq) {
    if (seq == ackedThrough + 1) {
      ackedThrough = seq;
      while (!ackedAbove.isEmpty() && ackedAbove.first() == ackedThrough + 1) {
        ackedThrough = ackedAbove.pollFirst();
      }
    } else if (seq > ackedThrough) {
      ackedAbove.add(seq);
    }
  }

  private boolean isAcked(long seq) {
    return seq <= ackedThrough || ackedAbove.contains(seq);
  }

  /**
   * Fails the producer: everything not yet acknowledged fails with {@code error}. Holds the lock.
   */
  private void fail(Throwable error) {
    if (failure != null) return;
    failure = error;
    if (linger != null) linger.dispose();
    parked.clear();
    List<ProducerBatch> doomed = new ArrayList<>(unacknowledged);
    unacknowledged.clear();
    queue.clear();
    if (open != null) doomed.add(open);
    open = null;
    for (ProducerBatch batch : doomed) batch.fail(error);
  }

  @Override
  public Completable flush() {
    List<Completable> waits = new ArrayList<>();
    synchronized (lock) {
      if (failure != null) return Completable.error(failure);
      seal();
      pump();
      for (ProducerBatch batch : unacknowledged) waits.add(batch.shared.ignoreElement());
    }
    return Completable.merge(waits);
  }

  @Override
  public Single<AppendResult> closeStream(byte @Nullable [] finalData) {
    synchronized (lock) {
      if (closeBatch != null) return closeBatch.shared;
      if (failure != null) return Single.error(failure);
      if (stopped) return Single.error(new IllegalStateException("producer is detached"));
      seal();
      stopped = true;
      ProducerBatch batch = new ProducerBatch(true, finalData != null ? finalData.length + 2 : 0);
      if (finalData != null && finalData.length > 0) {
        batch.add(
            json
                ? JsonBodies.checkedValue(
                    new String(finalData, java.nio.charset.StandardCharsets.UTF_8), "finalData")
                : finalData,
            json);
      }
      batch.seal(json);
      closeBatch = batch;
      queue.add(batch);
      unacknowledged.add(batch);
      pump();
      return batch.shared;
    }
  }

  @Override
  public Completable detach() {
    synchronized (lock) {
      stopped = true;
    }
    return flush();
  }

  @Override
  public long epoch() {
    synchronized (lock) {
      return epoch;
    }
  }

  @Override
  public long nextSeq() {
    synchronized (lock) {
      return nextSeq;
    }
  }
}
