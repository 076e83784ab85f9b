package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import dev.rstream.TransientException;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.http.RetryListener;
import dev.rstream.internal.retry.RetryableFailure;
import dev.rstream.internal.state.StateMessage;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import java.util.function.BiFunction;

/**
 * A {@link StreamSource} whose reads report their transport retries to a client's {@link
 * ProgressBoard}: while a window or index read retries, progress shows how often it failed in a row
 * and why; once it gets an answer, or ends, it no longer does. Everything else is {@code source}'s.
 * A listener given to a read hears its retries after progress does.
 */
public final class ProgressReportingSource implements StreamSource {
  private final StreamSource source;
  private final ProgressBoard progress;
  private final RStreamEventListener events;

  public ProgressReportingSource(StreamSource source, ProgressBoard progress) {
    this(source, progress, RStreamEventListener.NONE);
  }

  /** As {@link #ProgressReportingSource(StreamSource, ProgressBoard)}; {@code events} hears too. */
  public ProgressReportingSource(
      StreamSource source, ProgressBoard progress, RStreamEventListener events) {
    this.source = source;
    this.progress = progress;
    this.events = events;
  }

  @Override
  public String url() {
    return source.url();
  }

  @Override
  public Flowable<ReadBatch<StateMessage>> read(ReadOptions options) {
    return read(options, RetryListener.NONE);
  }

  @Override
  public Flowable<ReadBatch<StateMessage>> read(ReadOptions options, RetryListener listener) {
    return reported(source.url(), options, listener, source::read);
  }

  @Override
  public Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options) {
    return readIndex(options, RetryListener.NONE);
  }

  @Override
  public Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options, RetryListener listener) {
    return reported(source.url() + ".keyframes", options, listener, source::readIndex);
  }

  /**
   * {@code read} of {@code options}, each subscription with a {@link Reporter} of its own that
   * reports as {@code url} and hears the end before the caller does.
   */
  private <T> Flowable<ReadBatch<T>> reported(
      String url,
      ReadOptions options,
      RetryListener listener,
      BiFunction<ReadOptions, RetryListener, Flowable<ReadBatch<T>>> read) {
    return Flowable.defer(
        () -> {
          Reporter reporter = new Reporter(url, options.offset(), listener);
          return read.apply(options, reporter)
              // Before the end reaches the caller, so progress never shows a read retrying that has
              // already failed or completed.
              .doOnTerminate(reporter::ended)
              .doOnCancel(reporter::ended);
        });
  }

  @Override
  public Single<Offset> tail() {
    return source.tail();
  }

  @Override
  public IdempotentProducer producer(ProducerOptions options) {
    return source.producer(options);
  }

  /** One read's retries; the read's own thread calls it, one call at a time. */
  private final class Reporter implements RetryListener {
    private final String url;
    private final Offset offset;
    private final RetryListener next;
    private int failures;

    Reporter(String url, Offset offset, RetryListener next) {
      this.url = url;
      this.offset = offset;
      this.next = next;
    }

    @Override
    public void retrying(Throwable cause, long delayMillis) {
      failures++;
      TransientException reported =
          cause instanceof RetryableFailure
              ? ((RetryableFailure) cause).toTransient(url, offset, ", retrying")
              : new TransientException(String.valueOf(cause) + ", retrying", url, offset, 0, cause);
      progress.retrying(this, failures, reported);
      events.retryScheduled(delayMillis, failures, reported);
      next.retrying(cause, delayMillis);
    }

    @Override
    public void recovered() {
      failures = 0;
      progress.answered(this);
      next.recovered();
    }

    void ended() {
      progress.answered(this);
    }
  }
}
