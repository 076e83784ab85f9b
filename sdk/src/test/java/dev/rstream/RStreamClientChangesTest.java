package dev.rstream;

import static dev.rstream.FakeStreamClients.asMap;
import static dev.rstream.FakeStreamClients.await;
import static dev.rstream.FakeStreamClients.builder;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.GeneratedLog;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code changes(from, to)}: history in order across windows, selected by effective time, read only
 * as the subscriber asks.
 */
class RStreamClientChangesTest extends FakeStreamClientTest {
  @Test
  void changesReplayHistoryInOrderAcrossWindows() {
    RStreamClient client = clients.client(builder(stream));
    Instant from = log.inside(2);
    Instant to = log.last.plusMillis(1);
    List<Change> replayed = client.changes(from, to).timeout(5, SECONDS).toList().blockingGet();
    List<Change> expected = new ArrayList<>();
    boolean inKeyframe = false;
    for (StateMessage message : log.messages) {
      if (message.control() != null) {
        inKeyframe = message.control().kind() == Control.Kind.SNAPSHOT_START;
        continue;
      }
      Instant t = message.change().timestamp();
      if (!inKeyframe && !t.isBefore(from) && t.isBefore(to)) expected.add(message.change());
    }
    assertThat(replayed).isEqualTo(expected);
  }

  @Test
  void windowAndChangesUseEffectiveTimestampsWhenAWriterIsTenMinutesBehind() {
    GeneratedLog skewed = new GeneratedLog(23, 3, 5, true);
    skewed.changeUnit();
    Instant afterFirst = skewed.last;
    skewed.skewedChangeUnit(java.time.Duration.ofMinutes(10));
    skewed.changeUnit();
    skewed.keyframe();
    skewed.skewedChangeUnit(java.time.Duration.ofMinutes(10));
    skewed.changeUnit();
    RStreamClient client = clients.client(builder(new FakeStateStream(skewed)));

    // A time between the slow writer's stamp and the change before it: not yet in the state.
    Instant between = afterFirst.minusMillis(1);
    assertThat(asMap(await(client.window(between)))).isEqualTo(skewed.replayTo(between));
    StateView early = await(client.window(afterFirst.minusSeconds(300)));
    assertThat(asMap(early)).isEqualTo(skewed.replayTo(afterFirst.minusSeconds(300)));
    if (early.timestamp() != null)
      assertThat(early.timestamp()).isBeforeOrEqualTo(afterFirst.minusSeconds(300));
    for (Instant t = skewed.first.minusSeconds(1); !t.isAfter(skewed.last); t = t.plusMillis(700)) {
      assertThat(asMap(await(client.window(t)))).as("state at %s", t).isEqualTo(skewed.replayTo(t));
    }
    // changes(from, to) selects by effective time too: the skewed changes count as late as the
    // change before them.
    List<Change> replayed =
        client
            .changes(afterFirst, skewed.last.plusMillis(1))
            .timeout(5, SECONDS)
            .toList()
            .blockingGet();
    assertThat(replayed.stream().filter(c -> c.key().startsWith("skewed")).count()).isEqualTo(2);
  }

  @Test
  void changesReadsWindowsOnlyAsTheSubscriberAsks() throws Exception {
    RStreamClient client = clients.client(builder(stream));
    Instant from = log.first;
    Instant to = log.keyframes.get(log.keyframes.size() - 1).timestamp();
    TestSubscriber<Change> changes = client.changes(from, to).test(0);
    changes.request(1);
    changes.awaitCount(1);
    // The windows up to the first holding a change (some hold none), and at most two ahead.
    Offset firstChange = changes.values().get(0).offset();
    int needed = 0;
    while (log.keyframes.get(needed).offset().compareTo(firstChange) < 0) needed++;
    assertThat(stream.reads.size())
        .as("windows read for one change")
        .isLessThanOrEqualTo(needed + 2);
    changes.request(Long.MAX_VALUE);
    changes.awaitDone(5, SECONDS).assertComplete();
    assertThat(stream.reads.size()).isGreaterThan(needed + 2);
  }
}
