package dev.rstream.internal.http;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A read as a backpressured {@link Flowable}: each subscription runs its own {@link ReadLoop} on a
 * worker of the endpoint's scheduler, and asks it for the next batch only while downstream has
 * outstanding demand. Retry delays are timers on the same worker, so a {@code TestScheduler} drives
 * them. Cancelling cancels the HTTP call in flight; the loop then releases its response on the
 * worker.
 */
public final class ReadFlowable<T> extends Flowable<ReadBatch<T>> {
  private final StreamEndpoint endpoint;
  private final ReadOptions options;
  private final MessageDecoder<T> decoder;
  private final RetryListener retryListener;

  /** A read whose retries only its own loop sees. */
  public ReadFlowable(StreamEndpoint endpoint, ReadOptions options, MessageDecoder<T> decoder) {
    this(endpoint, options, decoder, RetryListener.NONE);
  }

  /** A read that tells {@code retryListener} when it retries and when the server answers again. */
  public ReadFlowable(
      StreamEndpoint endpoint,
      ReadOptions options,
      MessageDecoder<T> decoder,
      RetryListener retryListener) {
    this.endpoint = endpoint;
    this.options = options;
    this.decoder = decoder;
    this.retryListener = retryListener;
  }

  @Override
  protected void subscribeActual(Subscriber<? super ReadBatch<T>> subscriber) {
    Scheduler.Worker worker = endpoint.scheduler().createWorker();
    ReadSubscription<T> subscription =
        new ReadSubscription<>(
            subscriber, worker, new ReadLoop<>(endpoint, options, decoder, retryListener));
    subscriber.onSubscribe(subscription);
  }

  static final class ReadSubscription<T> extends AtomicInteger implements Subscription, Runnable {
    private static final long serialVersionUID = 1L;

    private final Subscriber<? super ReadBatch<T>> downstream;
    private final Scheduler.Worker worker;
    private final ReadLoop<T> loop;
    private final AtomicLong requested = new AtomicLong();
    private volatile boolean cancelled;

    /** Only touched on the worker. */
    private boolean waiting;

    private boolean terminated;

    ReadSubscription(
        Subscriber<? super ReadBatch<T>> downstream, Scheduler.Worker worker, ReadLoop<T> loop) {
      this.downstream = downstream;
      this.worker = worker;
      this.loop = loop;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        // Rule 3.9 of Reactive Streams: a non-positive request is the subscriber's bug.
        RxJavaPlugins.onError(new IllegalArgumentException("n > 0 required but it was " + n));
        return;
      }
      addCapped(requested, n);
      drain();
    }

    /** Adds {@code n} to the demand, saturating at {@link Long#MAX_VALUE} (unbounded). */
    private static void addCapped(AtomicLong requested, long n) {
      while (true) {
        long current = requested.get();
        if (current == Long.MAX_VALUE) return;
        long next = current + n;
        if (next < 0) next = Long.MAX_VALUE;
        if (requested.compareAndSet(current, next)) return;
      }
    }

    /** Takes {@code emitted} off the demand unless it is unbounded. */
    private static void produced(AtomicLong requested, long emitted) {
      while (true) {
        long current = requested.get();
        if (current == Long.MAX_VALUE) return;
        if (requested.compareAndSet(current, current - emitted)) return;
      }
    }

    @Override
    public void cancel() {
      if (cancelled) return;
      cancelled = true;
      loop.cancel();
      drain();
    }

    private void drain() {
      if (getAndIncrement() == 0) worker.schedule(this);
    }

    @Override
    public void run() {
      int missed = 1;
      while (true) {
        if (terminated) return;
        if (cancelled) {
          finish();
          return;
        }
        if (!waiting) {
          long r = requested.get();
          long emitted = 0;
          while (emitted != r) {
            if (cancelled) {
              finish();
              return;
            }
            ReadStep<T> step = loop.step();
            if (cancelled) {
              finish();
              return;
            }
            if (step.batch != null) {
              downstream.onNext(step.batch);
              emitted++;
            }
            if (step.complete) {
              finish();
              downstream.onComplete();
              return;
            }
            if (step.error != null) {
              finish();
              downstream.onError(step.error);
              return;
            }
            if (step.delayMillis >= 0) {
              waiting = true;
              worker.schedule(
                  () -> {
                    waiting = false;
                    drain();
                  },
                  step.delayMillis,
                  MILLISECONDS);
              break;
            }
          }
          if (emitted != 0) produced(requested, emitted);
        }
        missed = addAndGet(-missed);
        if (missed == 0) return;
      }
    }

    private void finish() {
      terminated = true;
      loop.close();
      worker.dispose();
    }
  }
}
