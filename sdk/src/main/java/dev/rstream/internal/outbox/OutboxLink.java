package dev.rstream.internal.outbox;

import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.Offset;
import dev.rstream.RStreamEventListener;
import dev.rstream.RetryPolicy;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;

/**
 * A client {@linkplain Outbox#attach attached} to an outbox: how it sends an entry, how it retries
 * transient failures, and who hears of its flushes. Immutable.
 */
public final class OutboxLink {
  /** Sends one entry: a POST with its producer headers, no retries of its own. */
  public interface Sender {
    Single<AppendResult> send(OutboxEntry entry);
  }

  /** Reads the stream's tail offset now. */
  public interface Tail {
    Single<Offset> read();
  }

  final Sender sender;
  final Tail tail;
  final RetryPolicy policy;
  final Scheduler scheduler;
  final RStreamEventListener events;

  public OutboxLink(Sender sender, Tail tail, RetryPolicy policy, Scheduler scheduler) {
    this(sender, tail, policy, scheduler, RStreamEventListener.NONE);
  }

  public OutboxLink(
      Sender sender,
      Tail tail,
      RetryPolicy policy,
      Scheduler scheduler,
      RStreamEventListener events) {
    this.sender = sender;
    this.tail = tail;
    this.policy = policy;
    this.scheduler = scheduler;
    this.events = events;
  }
}
