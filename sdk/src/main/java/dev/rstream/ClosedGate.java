package dev.rstream;

import dev.rstream.internal.window.ProgressBoard;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.functions.Supplier;
import io.reactivex.rxjava3.subjects.CompletableSubject;

/**
 * Whether a client is still open, and what its calls do once it is not: a subscription after {@link
 * RStreamClient#close()} fails with {@code IllegalStateException("client closed ...")}, a stream
 * subscribed before it completes. Thread-safe; closes once.
 */
final class ClosedGate {
  private final String streamUrl;
  private final ProgressBoard progress;
  private final CompletableSubject closed = CompletableSubject.create();
  // takeUntil needs an item: the subject only completes.
  private final Flowable<Boolean> closedSignal = closed.andThen(Flowable.just(Boolean.TRUE));

  ClosedGate(String streamUrl, ProgressBoard progress) {
    this.streamUrl = streamUrl;
    this.progress = progress;
  }

  /** Closes the gate; false if it was closed already. */
  synchronized boolean close() {
    if (closed.hasComplete()) return false;
    closed.onComplete();
    return true;
  }

  boolean isClosed() {
    return closed.hasComplete();
  }

  /** Completes when the gate closes: what {@link Connectivity} watches. */
  CompletableSubject closedSubject() {
    return closed;
  }

  /** What every call on a closed client fails with. */
  IllegalStateException closedError() {
    return new IllegalStateException("client closed (" + streamUrl + ")");
  }

  void checkOpen() {
    if (isClosed()) throw closedError();
  }

  /** {@code flowable} subscribed to while the client is open; an error once it is closed. */
  <T> Flowable<T> whileOpen(Supplier<Flowable<T>> flowable) {
    return Flowable.defer(() -> isClosed() ? Flowable.<T>error(closedError()) : flowable.get());
  }

  /** {@code flowable}, completed when the client closes. */
  <T> Flowable<T> untilClosed(Flowable<T> flowable) {
    return flowable.takeUntil(closedSignal);
  }

  /** As {@link #whileOpen}, completed when the client closes. */
  <T> Flowable<T> openUntilClosed(Supplier<Flowable<T>> flowable) {
    return whileOpen(() -> untilClosed(flowable.get()));
  }

  /**
   * The error for a wait on the live state that ended without its answer: the client closed, or the
   * live read completed (the stream was closed) before it got there.
   */
  RuntimeException endedBefore(String what) {
    if (isClosed()) return closedError();
    return new StreamClosedException(
        "the stream was closed before " + what,
        streamUrl,
        progress.current().liveOffset(),
        0,
        null);
  }
}
