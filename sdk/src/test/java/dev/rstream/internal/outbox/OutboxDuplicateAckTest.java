package dev.rstream.internal.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.RetryPolicy;
import dev.rstream.SqliteStore;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An append the server answers as a duplicate (it applied it before, and that answer was lost with
 * the process): the answer names no offset, so the overlay must not drop the change before a
 * confirmed state holds it, or a view between would show the older value again.
 */
class OutboxDuplicateAckTest {
  private static final String URL = "http://127.0.0.1:1/v1/stream/duplicate";

  @TempDir File dir;

  @Test
  void aDuplicateAnswerKeepsTheChangeShownUntilAConfirmedStateAtTheTailItWasAnsweredAt() {
    Offset applied = Offset.of("0000000000000005");
    Offset tail = Offset.of("0000000000000009");
    AppendResult duplicate = AppendResult.builder().status(204).duplicate(true).build();
    try (SqliteStore store = SqliteStore.open(new File(dir, "app.db"))) {
      Outbox outbox = Outboxes.open(store, URL);
      Change mine = Change.update("item", "a", "{\"n\":1}");
      TestObserver<AppendResult> answer = outbox.append(List.of(mine)).test();
      OutboxLink link =
          new OutboxLink(
              entry -> Single.just(duplicate),
              () -> Single.just(tail),
              RetryPolicy.defaults(),
              new TestScheduler());
      outbox.attach(link);

      answer.assertValue(result -> tail.equals(result.nextOffset()) && result.duplicate());
      assertThat(store.outbox(URL)).as("acknowledged").isEmpty();
      assertThat(outbox.overlay().pendingOver(applied))
          .as("a confirmed state before the tail may not hold it yet: still shown")
          .containsExactly(mine);
      assertThat(outbox.overlay().pendingOver(tail)).as("the tail holds it").isEmpty();
      Outboxes.release(store, URL, outbox, link);
    }
  }
}
