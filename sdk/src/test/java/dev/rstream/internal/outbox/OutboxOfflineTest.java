package dev.rstream.internal.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.LocalStore.OutboxEntry;
import dev.rstream.Offset;
import dev.rstream.RetryPolicy;
import dev.rstream.SqliteStore;
import dev.rstream.TransientException;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An outbox offline for hours, on a test scheduler: it keeps everything, then flushes once. */
class OutboxOfflineTest {
  private static final String URL = "http://127.0.0.1:1/v1/stream/offline";

  @TempDir File dir;

  @Test
  void offlineForHoursNothingIsSentNothingIsLostAndOnlineItFlushesOnce() {
    TestScheduler time = new TestScheduler();
    List<Long> attempts = new ArrayList<>();
    List<Long> delivered = new ArrayList<>();
    boolean[] online = {false};
    OutboxLink.Sender sender =
        entry -> {
          attempts.add(entry.seq());
          if (!online[0])
            return Single.error(new TransientException("network down", URL, null, 0, null));
          delivered.add(entry.seq());
          return Single.just(
              AppendResult.builder()
                  .status(200)
                  .nextOffset(Offset.of(String.format("%016d", entry.seq() + 1)))
                  .build());
        };
    try (SqliteStore store = SqliteStore.open(new File(dir, "app.db"))) {
      Outbox outbox = Outboxes.open(store, URL);
      OutboxLink link =
          new OutboxLink(
              sender,
              () -> Single.error(new AssertionError("no tail")),
              RetryPolicy.defaults(),
              time);
      outbox.attach(link);
      TestSubscriber<Integer> sizes = outbox.sizes().test();
      List<TestSubscriberSingle> results = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        results.add(
            new TestSubscriberSingle(
                outbox.append(List.of(Change.update("item", "k" + i, "{\"n\":" + i + "}")))));
      }

      time.advanceTimeBy(6, TimeUnit.HOURS);

      assertThat(delivered).as("nothing sent").isEmpty();
      assertThat(attempts).as("it kept trying the first one").isNotEmpty().containsOnly(0L);
      assertThat(store.outbox(URL)).as("nothing lost").hasSize(50);
      assertThat(outbox.overlay().pendingOver(Offset.START)).hasSize(50);
      assertThat(sizes.values().get(sizes.values().size() - 1)).isEqualTo(50);
      for (TestSubscriberSingle r : results) assertThat(r.done()).isFalse();

      online[0] = true;
      int triedOffline = attempts.size();
      outbox.online(); // a sign of the network: no timer needed

      List<Long> expected = new ArrayList<>();
      for (long i = 0; i < 50; i++) expected.add(i);
      assertThat(delivered).as("one flush, in order, each once").isEqualTo(expected);
      assertThat(attempts.subList(triedOffline, attempts.size())).isEqualTo(expected);
      assertThat(store.outbox(URL)).isEmpty();
      assertThat(sizes.values().get(sizes.values().size() - 1)).isZero();
      for (TestSubscriberSingle r : results) assertThat(r.done()).isTrue();
      List<OutboxEntry> none = store.outbox(URL);
      assertThat(none).isEmpty();
      Outboxes.release(store, URL, outbox, link);
    }
  }

  /** Whether a hot append answer has succeeded. */
  private static final class TestSubscriberSingle {
    private final io.reactivex.rxjava3.observers.TestObserver<AppendResult> observer;

    TestSubscriberSingle(Single<AppendResult> result) {
      observer = result.test();
    }

    boolean done() {
      return observer.values().size() == 1;
    }
  }
}
