package dev.rstream.examples.conformance;

import static java.util.Objects.requireNonNull;

import dev.rstream.durable.ReadBatch;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;

/**
 * Runs one {@code read} command: subscribes to the library's read, asks for one batch at a time,
 * and stops at the first of: the read completing, {@code maxChunks} chunks with data, the first
 * up-to-date batch when {@code waitForUpToDate}, or the deadline. Then cancels the read.
 *
 * <p>Used by one thread (the adapter's command loop); the library delivers on its own threads.
 */
final class ChunkCollector {
  /** One chunk of the answer: the data of one response (or one SSE data event). */
  static final class Chunk {
    final String data;
    final String offset;

    Chunk(String data, String offset) {
      this.data = data;
      this.offset = offset;
    }
  }

  private final int maxChunks;
  private final boolean waitForUpToDate;
  private final long timeoutMillis;

  final List<Chunk> chunks = new ArrayList<>();

  /** The status of the first response, as the runner's reference client reports it. */
  int status = 200;

  boolean sawBatch;
  @Nullable String offset;
  boolean upToDate;
  boolean streamClosed;
  @Nullable String cursor;

  /** True if the deadline passed before the read completed or a stop condition was met. */
  boolean timedOut;

  ChunkCollector(int maxChunks, boolean waitForUpToDate, long timeoutMillis) {
    this.maxChunks = maxChunks;
    this.waitForUpToDate = waitForUpToDate;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Collects from {@code read} until a stop condition; rethrows the read's error (as is, so that
   * the adapter maps the library's exception type).
   */
  void collect(Flowable<ReadBatch<String>> read) throws InterruptedException {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    AtomicReference<@Nullable Subscription> upstream = new AtomicReference<>();
    Object complete = new Object();
    read.subscribe(
        new FlowableSubscriber<ReadBatch<String>>() {
          @Override
          public void onSubscribe(Subscription s) {
            upstream.set(s);
            s.request(1);
          }

          @Override
          public void onNext(ReadBatch<String> batch) {
            events.add(batch);
          }

          @Override
          public void onError(Throwable t) {
            events.add(new Failure(t));
          }

          @Override
          public void onComplete() {
            events.add(complete);
          }
        });
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    try {
      while (true) {
        long remaining = deadline - System.nanoTime();
        Object event = remaining > 0 ? events.poll(remaining, TimeUnit.NANOSECONDS) : null;
        if (event == null) {
          timedOut = true;
          return;
        }
        if (event == complete) return;
        if (event instanceof Failure) {
          Throwable error = ((Failure) event).error;
          if (error instanceof RuntimeException) throw (RuntimeException) error;
          if (error instanceof Error) throw (Error) error;
          throw new IllegalStateException(error);
        }
        @SuppressWarnings("unchecked")
        ReadBatch<String> batch = (ReadBatch<String>) event;
        if (accept(batch)) return;
        requireNonNull(upstream.get(), "no subscription").request(1);
      }
    } finally {
      Subscription subscription = upstream.get();
      if (subscription != null) subscription.cancel();
    }
  }

  /** Records a batch; returns true if the read should stop here. */
  private boolean accept(ReadBatch<String> batch) {
    if (!sawBatch) {
      status = batch.status();
      sawBatch = true;
    }
    String data = null;
    if (!batch.messages().isEmpty()) {
      // The runner compares JSON streams as the array of one response's messages.
      data = "[" + String.join(",", batch.messages()) + "]";
    } else if (batch.bytes().size() > 0) {
      data = batch.bytes().utf8();
    }
    if (batch.partial()) {
      // Not expected (the adapter asks for unbounded batches), but keep the data whole anyway.
      if (data != null) chunks.add(new Chunk(data, batch.nextOffset().value()));
      return false;
    }
    if (data != null) chunks.add(new Chunk(data, batch.nextOffset().value()));
    offset = batch.nextOffset().value();
    upToDate = batch.upToDate();
    streamClosed = batch.streamClosed();
    if (batch.cursor() != null) cursor = batch.cursor();
    if (waitForUpToDate && upToDate) return true;
    return chunks.size() >= maxChunks;
  }

  private static final class Failure {
    final Throwable error;

    Failure(Throwable error) {
      this.error = error;
    }
  }
}
