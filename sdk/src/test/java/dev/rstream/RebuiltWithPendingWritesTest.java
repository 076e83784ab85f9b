package dev.rstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.internal.state.State;
import dev.rstream.internal.window.Window;
import dev.rstream.internal.window.WindowAssembler;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import io.reactivex.rxjava3.processors.PublishProcessor;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link RStreamClient#live()} over a durable outbox shows the last confirmed state again each time
 * the outbox's pending changes change: a rebuild after a 410 is still told on exactly one view.
 */
class RebuiltWithPendingWritesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PublishProcessor<StateView> confirmed = PublishProcessor.create();
  private final BehaviorProcessor<Long> versions = BehaviorProcessor.createDefault(0L);
  private final List<Change> pending = new ArrayList<>();

  private static StateView view(boolean rebuilt) {
    Window window = Objects.requireNonNull(WindowAssembler.startingEmpty(Offset.START).current());
    return new StateView(window.latest(), false, rebuilt, MAPPER, State.empty());
  }

  private TestSubscriber<StateView> subscribe(long initialRequest) {
    return LiveStates.overlaid(confirmed, versions, offset -> new ArrayList<>(pending))
        .test(initialRequest);
  }

  private void pendingWrite(int n) {
    pending.add(Change.update("order", "o" + n, "{}"));
    versions.onNext((long) n);
  }

  private static List<Boolean> flags(TestSubscriber<StateView> views) {
    return views.values().stream().map(StateView::rebuilt).collect(Collectors.toList());
  }

  @Test
  void aRebuiltStateShownAgainForPendingWritesIsToldOnce() {
    TestSubscriber<StateView> views = subscribe(Long.MAX_VALUE);
    confirmed.onNext(view(false));
    confirmed.onNext(view(true));
    pendingWrite(1);
    pendingWrite(2);
    confirmed.onNext(view(false));

    assertThat(views.values().get(3).pendingChanges()).hasSize(2);
    assertThat(flags(views)).containsExactly(false, true, false, false, false);
  }

  @Test
  void aSecondRebuildIsToldAgain() {
    TestSubscriber<StateView> views = subscribe(Long.MAX_VALUE);
    confirmed.onNext(view(true));
    pendingWrite(1);
    confirmed.onNext(view(true));
    pendingWrite(2);

    assertThat(flags(views)).containsExactly(true, false, true, false);
  }

  @Test
  void aSlowSubscriberIsToldOnTheRepeatItGetsWhenConflationSkippedTheFirst() {
    TestSubscriber<StateView> views = subscribe(1);
    confirmed.onNext(view(false));
    confirmed.onNext(view(true)); // skipped: the subscriber asked for one view only
    pendingWrite(1);
    views.request(1);
    pendingWrite(2);
    views.request(1);

    assertThat(views.values().get(1).pendingChanges()).hasSize(1);
    assertThat(flags(views)).containsExactly(false, true, false);
  }
}
