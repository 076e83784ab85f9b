package dev.rstream.internal.window;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.internal.state.State;
import dev.rstream.internal.state.StateMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Long windows: the assembler applies changes in place and keeps checkpoints spaced by the state's
 * size, so every point of a window must still equal a plain replay, and every Window handed out
 * must stay as it was while the assembler goes on.
 */
class WindowCheckpointTest {
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void everyPointOfEverySnapshotEqualsAPlainReplay(long seed) {
    Random random = new Random(seed);
    List<Change> changes = randomChanges(random, 4_000);
    // expected.get(i): the state after the first i changes, by State.apply (persistent).
    List<State> expected = new ArrayList<>();
    State state = State.empty();
    expected.add(state);
    for (Change change : changes) {
      state = state.apply(change);
      expected.add(state);
    }

    WindowAssembler assembler = WindowAssembler.startingEmpty(Offset.START);
    List<Window> snapshots = new ArrayList<>();
    for (int i = 0; i < changes.size(); i++) {
      assertThat(assembler.accept(StateMessage.of(changes.get(i))))
          .isEqualTo(WindowAssembler.Event.CHANGE_APPLIED);
      // Snapshots after single changes (live) and after runs of them (catch-up batches).
      if (random.nextInt(random.nextBoolean() ? 3 : 300) == 0) {
        Window snapshot = assembler.current();
        if (random.nextInt(20) == 0) snapshots.add(snapshot);
      }
    }
    snapshots.add(assembler.current());

    for (Window window : snapshots) {
      int count = window.changeCount();
      assertThat(window.state()).isEqualTo(expected.get(count));
      assertThat(window.latest().state()).isEqualTo(expected.get(count));
      for (int k = 0; k < 10; k++) {
        int applied = random.nextInt(count + 1);
        assertThat(window.pointAfter(applied).state())
            .as("after %d of %d", applied, count)
            .isEqualTo(expected.get(applied));
      }
    }
    Window last = snapshots.get(snapshots.size() - 1);
    for (int applied = 0; applied <= last.changeCount(); applied++) {
      assertThat(last.pointAfter(applied).state().size()).isEqualTo(expected.get(applied).size());
    }
    for (int applied = 0; applied <= last.changeCount(); applied += 97) {
      assertThat(last.pointAfter(applied).state()).isEqualTo(expected.get(applied));
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {4, 5})
  void resumingAHeldWindowKeepsItsPointsAndGoesOnLikeOneAssembler(long seed) {
    Random random = new Random(seed);
    List<Change> changes = randomChanges(random, 5_000);
    State expectedEnd = State.empty();
    for (Change change : changes) expectedEnd = expectedEnd.apply(change);

    WindowAssembler first = WindowAssembler.startingEmpty(Offset.START);
    int cut = 1_000 + random.nextInt(3_000);
    for (Change change : changes.subList(0, cut)) first.accept(StateMessage.of(change));
    Window held = first.current();
    State heldState = held.state();

    WindowAssembler resumed = WindowAssembler.resuming(held);
    assertThat(resumed.current().state()).isSameAs(heldState);
    for (Change change : changes.subList(cut, changes.size()))
      resumed.accept(StateMessage.of(change));
    // The first assembler goes on too, on its own arrays: neither disturbs the other or `held`.
    for (int i = 0; i < 500; i++)
      first.accept(StateMessage.of(Change.insert("other", "x" + i, "1")));

    Window end = resumed.current();
    assertThat(end.changeCount()).isEqualTo(changes.size());
    assertThat(end.state()).isEqualTo(expectedEnd);
    assertThat(held.changeCount()).isEqualTo(cut);
    assertThat(held.state()).isSameAs(heldState);
    State replay = State.empty();
    for (int applied = 0; applied <= changes.size(); applied++) {
      if (applied % 61 == 0 || applied == cut) {
        assertThat(end.pointAfter(applied).state()).as("after %d", applied).isEqualTo(replay);
        if (applied <= cut) assertThat(held.pointAfter(applied).state()).isEqualTo(replay);
      }
      if (applied < changes.size()) replay = replay.apply(changes.get(applied));
      if (applied < cut) assertThat(end.change(applied)).isSameAs(changes.get(applied));
    }
  }

  /** Updates and deletes over a few hot keys and inserts of ever-new ones, in three types. */
  private static List<Change> randomChanges(Random random, int n) {
    List<Change> changes = new ArrayList<>();
    Instant time = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < n; i++) {
      String type = "t" + random.nextInt(3);
      String key = random.nextBoolean() ? "hot" + random.nextInt(30) : "k" + i;
      time = time.plusMillis(random.nextInt(3));
      Change.Builder change =
          random.nextInt(5) == 0
              ? Change.delete(type, key).newBuilder()
              : Change.update(type, key, "{\"v\":" + random.nextInt(1000) + "}").newBuilder();
      changes.add(change.timestamp(time).build());
    }
    return changes;
  }
}
