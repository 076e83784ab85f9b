package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code live(type)}, {@code live(type, key)} and {@link StateView#changedKeys()} against the real
 * server-stub, which writes keyframes between the appends.
 */
@ExtendWith(UndeliveredRxErrors.class)
class LiveSubsetViewsTest {
  final StubServerExtension server = StubServerExtension.inMemory();
  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private RStreamClient client(String keyframes) {
    String url = server.createStateStream("shop/orders", keyframes);
    return clients.client(clients.withoutLinger(url));
  }

  private static Offset append(RStreamClient client, Change... changes) {
    return client.append(changes).timeout(10, SECONDS).blockingGet();
  }

  @Test
  void anAppendThatTouchesAnotherTypeWakesNoTypeSubscriber() throws Exception {
    RStreamClient client = client("changes=5, interval=3600s");
    Offset first = append(client, Change.insert("order", "o1", "{\"n\":1}"));
    client.awaitOffset(first).timeout(10, SECONDS).blockingAwait();
    TestSubscriber<StateView> orders = client.live("order").test();
    TestSubscriber<StateView> all = client.live().test();
    LiveViews.latestAtOrPast(orders, first);

    Offset customers = first;
    for (int i = 0; i < 12; i++) { // and the keyframes the server writes after every 5
      customers = append(client, Change.insert("customer", "c" + i, "{}"));
    }
    LiveViews.latestAtOrPast(all, customers);
    Offset order = append(client, Change.update("order", "o1", "{\"n\":2}"));
    StateView woken = LiveViews.latestAtOrPast(orders, order);

    // The cursor hands each state to every subscriber in turn: by the time the order reached
    // this one, every customer state and keyframe before it had been offered to it.
    assertThat(orders.values()).hasSize(2);
    assertThat(orders.values().get(0).offset()).isEqualTo(first);
    assertThat(woken.offset()).isEqualTo(order);
    assertThat(woken.json("order", "o1")).isEqualTo("{\"n\":2}");
    assertThat(woken.changedKeys("order")).containsExactly("o1");
    assertThat(woken.changedKeys("customer")).hasSize(12); // since the view it got before
    assertThat(all.values().stream().filter(v -> v.changes().isEmpty()))
        .as("keyframes passed while the order subscriber slept")
        .isNotEmpty();
    orders.cancel();
    all.cancel();
  }

  @Test
  void anEntitySubscriberIsWokenOnlyWhenItsValueChangesIncludingDeletion() throws Exception {
    RStreamClient client = client("changes=3, interval=3600s");
    TestSubscriber<EntityView> entity = client.live("order", "o1").test();
    entity.awaitCount(1);
    assertThat(entity.values().get(0).exists()).isFalse();

    append(client, Change.insert("order", "o1", "{\"n\":1}"));
    append(client, Change.insert("order", "o2", "{\"n\":1}")); // another key
    append(client, Change.update("order", "o1", "{\"n\":1}")); // the value it has
    append(client, Change.insert("customer", "o1", "{}")); // the same key in another type
    append(client, Change.update("order", "o1", "{\"n\":2}"));
    append(client, Change.delete("order", "o1"));
    append(client, Change.delete("order", "o1")); // absent already
    append(client, Change.update("order", "o2", "{\"n\":2}"));
    Offset last = append(client, Change.insert("order", "o1", "{\"n\":3}"));

    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (entity.values().isEmpty()
        || !entity.values().get(entity.values().size() - 1).state().offset().equals(last)) {
      assertThat(System.nanoTime()).as("the last value within 10 s").isLessThan(deadline);
      Thread.sleep(5); // polls a condition with a deadline
    }
    List<String> values = new ArrayList<>();
    for (EntityView view : entity.values()) values.add(view.json());
    assertThat(values).containsExactly(null, "{\"n\":1}", "{\"n\":2}", null, "{\"n\":3}");
    EntityView deleted = entity.values().get(3);
    assertThat(deleted.exists()).isFalse();
    assertThat(deleted.state().changedKeys("order")).containsExactly("o1");
    assertThat(entity.values().get(4).value(Map.class)).isEqualTo(Map.of("n", 3));
    entity.cancel();
  }

  @Test
  void changedKeysAreTheEntitiesTheAppendChanged() throws Exception {
    RStreamClient client = client("changes=3, interval=3600s");
    Offset seeded =
        append(
            client,
            Change.insert("order", "o1", "{\"n\":1}"),
            Change.insert("order", "o2", "{\"n\":1}"),
            Change.insert("order", "o4", "{\"n\":1}"));
    client.awaitOffset(seeded).timeout(10, SECONDS).blockingAwait();
    TestSubscriber<StateView> all = client.live().test();
    StateView first = LiveViews.latestAtOrPast(all, seeded);
    assertThat(all.values()).hasSize(1);
    assertThat(first.changedKeys()).isEqualTo(Map.of("order", Set.of("o1", "o2", "o4")));

    Offset batch =
        append(
            client,
            Change.insert("order", "o3", "{\"n\":1}"),
            Change.update("order", "o1", "{\"n\":2}"),
            Change.delete("order", "o2"),
            Change.update("order", "o4", "{\"n\":1}")); // the value it had
    Offset after = append(client, Change.insert("customer", "c1", "{}"));
    LiveViews.latestAtOrPast(all, after);

    StateView ofBatch =
        all.values().stream().filter(v -> v.offset().equals(batch)).findFirst().orElseThrow();
    assertThat(ofBatch.changes()).hasSize(4);
    assertThat(ofBatch.changedKeys()).isEqualTo(Map.of("order", Set.of("o3", "o1", "o2")));
    StateView last = all.values().get(all.values().size() - 1);
    assertThat(last.changedKeys()).isEqualTo(Map.of("customer", Set.of("c1")));
    List<StateView> keyframes = new ArrayList<>();
    for (StateView view : all.values().subList(1, all.values().size())) {
      if (view.changes().isEmpty()) keyframes.add(view);
    }
    assertThat(keyframes).as("a keyframe passed").isNotEmpty();
    for (StateView keyframe : keyframes) assertThat(keyframe.changedKeys()).isEmpty();
    all.cancel();
  }

  @Test
  void aSlowSubscriberIsToldEverythingChangedSinceTheViewItGotLast() throws Exception {
    RStreamClient client = client("changes=100, interval=3600s");
    Offset start = append(client, Change.insert("order", "o1", "{}"));
    client.awaitOffset(start).timeout(10, SECONDS).blockingAwait();
    TestSubscriber<StateView> slow = new TestSubscriber<>(1);
    client.live("order").subscribe(slow);
    TestSubscriber<StateView> fast = client.live().test();
    LiveViews.latestAtOrPast(slow, start);

    append(client, Change.insert("order", "o5", "{}"));
    append(client, Change.insert("order", "o6", "{}"));
    Offset last = append(client, Change.insert("order", "o7", "{}"));
    LiveViews.latestAtOrPast(fast, last);
    slow.request(1);
    StateView latest = LiveViews.latestAtOrPast(slow, last);

    assertThat(slow.values()).hasSize(2);
    assertThat(latest.changedKeys()).isEqualTo(Map.of("order", Set.of("o5", "o6", "o7")));
    slow.cancel();
    fast.cancel();
  }
}
