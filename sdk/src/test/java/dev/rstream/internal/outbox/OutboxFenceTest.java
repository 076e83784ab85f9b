package dev.rstream.internal.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.LocalStore;
import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.Offset;
import dev.rstream.ProducerFencedException;
import dev.rstream.RejectedWriteException;
import dev.rstream.RetryPolicy;
import dev.rstream.SequenceConflictException;
import dev.rstream.SqliteStore;
import dev.rstream.TransientException;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once reasoning of {@link Outbox} when the producer is fenced: an append the server
 * applied but whose answer was lost must not be sent again under the new epoch it claims, or the
 * server, which deduplicates per epoch, applies it twice.
 */
class OutboxFenceTest {
  private static final String URL = "http://127.0.0.1:1/v1/stream/fence";

  @TempDir File dir;

  private final ProducerServer server = new ProducerServer();
  private final TestScheduler time = new TestScheduler();

  private OutboxLink link() {
    return new OutboxLink(server::send, server::tail, RetryPolicy.defaults(), time);
  }

  private static List<Change> change(String key) {
    return List.of(Change.update("item", key, "{\"key\":\"" + key + "\"}"));
  }

  @Test
  void anAppendAppliedWhoseAnswerWasLostIsNotSentAgainAfterTheFenceAndTheAppIsTold() {
    Outbox outbox = Outboxes.inMemory(URL);
    server.loseNextAnswer = true;
    TestObserver<AppendResult> first = outbox.append(change("a")).test();
    TestObserver<AppendResult> second = outbox.append(change("b")).test();
    OutboxLink link = link();
    outbox.attach(link);
    assertThat(server.log).as("applied, its answer lost").hasSize(1);

    server.fence(); // another writer with our id took the next epoch
    outbox.online();

    assertThat(server.log)
        .as("each change once")
        .containsExactly(OutboxBodies.encode(change("a")), OutboxBodies.encode(change("b")));
    first.assertError(
        e ->
            e instanceof RejectedWriteException
                && ((RejectedWriteException) e).mayHaveBeenApplied()
                && ((RejectedWriteException) e).changes().equals(change("a"))
                && e.getCause() instanceof ProducerFencedException);
    second.assertValueCount(1);
    assertThat(outbox.overlay().pendingOver(server.tail().blockingGet())).isEmpty();
    Outboxes.release(LocalStore.inMemory(), URL, outbox, link);
  }

  @Test
  void aFencedAppendNeverSentBeforeGoesUnderTheNewEpochAndIsAppliedOnce() {
    Outbox outbox = Outboxes.inMemory(URL);
    server.epoch = 3; // another writer with our id is at epoch 3 already
    TestObserver<AppendResult> first = outbox.append(change("a")).test();
    TestObserver<AppendResult> second = outbox.append(change("b")).test();
    OutboxLink link = link();
    outbox.attach(link);

    assertThat(server.log)
        .containsExactly(OutboxBodies.encode(change("a")), OutboxBodies.encode(change("b")));
    assertThat(server.epoch).as("claimed the epoch after the server's").isEqualTo(4);
    first.assertValueCount(1);
    second.assertValueCount(1);
    Outboxes.release(LocalStore.inMemory(), URL, outbox, link);
  }

  @Test
  void afterARestartTheFirstStoredAppendMayHaveBeenSentAndIsNotSentAgainAfterTheFence() {
    try (SqliteStore store = SqliteStore.open(new File(dir, "app.db"))) {
      Outbox before = Outboxes.open(store, URL);
      before.append(change("a")).test();
      before.append(change("b")).test();
      server.loseNextAnswer = true; // and the process dies before its retry is due
      OutboxLink dying = link();
      before.attach(dying);
      Outboxes.release(store, URL, before, dying);
      assertThat(store.outbox(URL)).as("both still stored").hasSize(2);

      server.fence();
      Outbox after = Outboxes.open(store, URL);
      TestSubscriber<RejectedWriteException> rejected = after.rejected().test();
      OutboxLink link = link();
      after.attach(link);

      assertThat(server.log)
          .as("each change once")
          .containsExactly(OutboxBodies.encode(change("a")), OutboxBodies.encode(change("b")));
      rejected.assertValue(RejectedWriteException::mayHaveBeenApplied);
      assertThat(store.outbox(URL)).isEmpty();
      Outboxes.release(store, URL, after, link);
    }
  }

  /**
   * The server's idempotent producer for one producer id (as server-stub's): a stale epoch is
   * fenced, a new epoch starts at 0, a number at or below the last is a duplicate, a skipped one a
   * gap. Its log holds the bodies it applied.
   */
  private static final class ProducerServer {
    final List<String> log = new ArrayList<>();
    long epoch = -1;
    long lastSeq = -1;
    boolean loseNextAnswer;

    Single<AppendResult> send(OutboxEntry entry) {
      if (entry.epoch() < epoch)
        return Single.error(new ProducerFencedException(URL, entry.epoch(), epoch, null));
      if (entry.epoch() > epoch) {
        if (entry.seq() != 0) return gap(0, entry);
        epoch = entry.epoch();
        lastSeq = -1;
      } else if (entry.seq() <= lastSeq) {
        return Single.just(AppendResult.builder().status(204).duplicate(true).build());
      } else if (entry.seq() != lastSeq + 1) {
        return gap(lastSeq + 1, entry);
      }
      log.add(entry.body());
      lastSeq = entry.seq();
      if (loseNextAnswer) {
        loseNextAnswer = false;
        return Single.error(new TransientException("connection reset", URL, null, 0, null));
      }
      return tail().map(tail -> AppendResult.builder().status(200).nextOffset(tail).build());
    }

    private static Single<AppendResult> gap(long expected, OutboxEntry entry) {
      return Single.error(new SequenceConflictException(URL, expected, entry.seq(), null));
    }

    Single<Offset> tail() {
      return Single.just(Offset.of(String.format("%016d", log.size())));
    }

    /** Another writer with the same producer id claims the next epoch. */
    void fence() {
      epoch++;
      lastSeq = -1;
    }
  }
}
