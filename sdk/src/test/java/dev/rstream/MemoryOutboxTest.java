package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.Await;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Appends through the in-memory outbox of a client whose store keeps none ({@link
 * RStreamClient.Builder#memoryOutbox}), offline and online over a {@link LinkedStream}'s network.
 */
@ExtendWith(UndeliveredRxErrors.class)
class MemoryOutboxTest {
  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();

  private final List<String> flushes = new CopyOnWriteArrayList<>();
  private final AtomicInteger retriesScheduled = new AtomicInteger();
  private final RStreamEventListener events =
      new RStreamEventListener() {
        @Override
        public void outboxFlushed(int acknowledged, int rejected) {
          flushes.add(acknowledged + " acknowledged, " + rejected + " rejected");
        }

        @Override
        public void outboxRetryScheduled(long delayMillis, int attempt, Throwable cause) {
          retriesScheduled.incrementAndGet();
        }
      };
  private LinkedStream stream;
  private RStreamClient client;

  @BeforeEach
  void start() throws Exception {
    stream = LinkedStream.create(server);
    stream.append(1);
    // Retries wait 10 minutes: only a sign of the network sends again within the test.
    client =
        stream.reader(
            LocalStore.inMemory(),
            LinkedStream.tenMinuteBackoff(),
            b -> b.memoryOutbox(true).eventListener(events));
  }

  @AfterEach
  void stop() {
    stream.close();
  }

  private static Change item(int n) {
    return Change.update("item", "k" + n, "{\"n\":" + n + "}");
  }

  @Test
  void offlineTheViewsShowThePendingChangesAndOnlineOneFlushSendsEachOnce() throws Exception {
    assertThat(client.durableOutbox()).as("in memory, and says so").isFalse();
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    TestSubscriber<Integer> sizes = client.outboxSize().test();
    stream.link().down();

    List<TestObserver<Offset>> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) answers.add(client.append(item(i)).test());

    Await.until(
        () -> last(live).pendingChanges().size() == 5, "the views show the 5 pending changes");
    StateView offline = last(live);
    for (int i = 0; i < 5; i++) assertThat(offline.json("item", "k" + i)).contains("\"n\":" + i);
    assertThat(offline.confirmedJson("item", "k0")).isNull();
    assertThat(sizes.values().get(sizes.values().size() - 1)).isEqualTo(5);
    for (TestObserver<Offset> answer : answers) answer.assertNotComplete().assertNoErrors();
    assertThat(ServerLog.values(server.http(), stream.url())).hasSize(1);

    backOnline();

    for (TestObserver<Offset> answer : answers) answer.awaitDone(10, SECONDS).assertComplete();
    List<String> expected = new ArrayList<>(stream.appendedValues());
    for (int i = 0; i < 5; i++) expected.add(item(i).value());
    assertThat(ServerLog.values(server.http(), stream.url()))
        .as("each change once, in append order")
        .containsExactlyElementsOf(expected);
    Await.until(() -> sizes.values().get(sizes.values().size() - 1) == 0, "the outbox is empty");
    // The listener hears the flush after the outbox shrank to 0: wait for it, then check it.
    Await.until(() -> !flushes.isEmpty(), "the flush is reported");
    assertThat(flushes).as("one flush").containsExactly("5 acknowledged, 0 rejected");
    Await.until(
        () -> !last(live).hasPendingWrites() && last(live).contains("item", "k4"),
        "the views hold the confirmed changes");
    live.cancel();
  }

  @Test
  void aChangeRefusedInTheMiddleRollsBackAloneAndTheOthersAreApplied() throws Exception {
    TestSubscriber<RejectedWriteException> rejected = client.rejectedWrites().test();
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    stream.link().down();
    Change refused = ReferenceChanges.tooOld("item", "old", "{\"old\":true}");
    TestObserver<Offset> before = client.append(item(1)).test();
    TestObserver<Offset> middle = client.append(refused).test();
    TestObserver<Offset> after = client.append(item(2)).test();
    Await.until(() -> last(live).pendingChanges().size() == 3, "all three shown while offline");

    backOnline();

    before.awaitDone(10, SECONDS).assertComplete();
    after.awaitDone(10, SECONDS).assertComplete();
    middle
        .awaitDone(10, SECONDS)
        .assertError(
            e ->
                e instanceof RejectedWriteException
                    && ((RejectedWriteException) e).changes().equals(List.of(refused))
                    && ((RejectedWriteException) e).status() == 400);
    rejected.awaitCount(1);
    assertThat(rejected.values().get(0).changes()).containsExactly(refused);
    List<String> expected = new ArrayList<>(stream.appendedValues());
    expected.add(item(1).value());
    expected.add(item(2).value());
    assertThat(ServerLog.values(server.http(), stream.url())).containsExactlyElementsOf(expected);
    Await.until(
        () -> !last(live).hasPendingWrites() && last(live).contains("item", "k2"),
        "the views settle on the confirmed changes");
    List<StateView> seen = live.values();
    int shown = -1;
    for (int i = 0; i < seen.size(); i++) if (seen.get(i).contains("item", "old")) shown = i;
    assertThat(shown).as("the refused change was shown while pending").isNotNegative();
    for (StateView view : seen.subList(shown + 1, seen.size())) {
      assertThat(view.contains("item", "old")).as("rolled back for good: %s", view).isFalse();
      assertThat(view.contains("item", "k1")).as("only the refused one: %s", view).isTrue();
    }
    Await.until(() -> !flushes.isEmpty(), "the flush is reported");
    assertThat(flushes).containsExactly("2 acknowledged, 1 rejected");
    live.cancel();
  }

  @Test
  void closingTheClientFailsTheAnswersStillWaitingAndSaysTheyAreLost() {
    stream.link().down();
    TestObserver<Offset> waiting = client.append(item(1)).test();
    client.close();
    waiting
        .awaitDone(10, SECONDS)
        .assertError(
            e -> e instanceof IllegalStateException && e.getMessage().contains("in-memory outbox"));
  }

  /**
   * Brings the network back once the outbox's send has failed and waits to retry: a sign of the
   * network while a send is still on its way is no reason to send again, and would be lost.
   */
  private void backOnline() throws InterruptedException {
    Await.until(() -> retriesScheduled.get() > 0, "the failed send waits to retry");
    stream.link().up();
    client.connectivity().networkAvailable();
  }

  private static StateView last(TestSubscriber<StateView> live) {
    List<StateView> values = live.values();
    return values.get(values.size() - 1);
  }
}
