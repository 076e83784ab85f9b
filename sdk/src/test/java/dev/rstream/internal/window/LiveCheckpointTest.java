package dev.rstream.internal.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.internal.store.MemoryLocalStore;
import dev.rstream.internal.store.StoreMirror;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live window's owner: what the cursor reports, what its observer sees, what the store keeps.
 */
class LiveCheckpointTest {
  private static final String URL = "http://fake/v1/stream/orders";

  private final GeneratedLog log = new GeneratedLog(5, 3, 4);
  private final MemoryLocalStore store = new MemoryLocalStore();
  private final LiveCheckpoint checkpoint = new LiveCheckpoint(new StoreMirror(URL, store));
  private final BlockingQueue<String> heard = new LinkedBlockingQueue<>();

  /** Every window the generated log holds, in order; the last one is open. */
  private final List<Window> windows = new ArrayList<>();

  @BeforeEach
  void setUp() {
    windows.addAll(WindowTimeSeekTest.scanWholeStream(log));
    checkpoint.listen(new Reports(heard));
  }

  @AfterEach
  void assertExhausted() {
    assertThat(heard).as("unexpected reports").isEmpty();
  }

  private Window last() {
    return windows.get(windows.size() - 1);
  }

  @Test
  void aSavedLiveWindowIsRestoredOnceAndFlaggedFromTheStoreUntilTheCursorMovesOn() {
    checkpoint.save(last());
    LiveCheckpoint restarted = new LiveCheckpoint(new StoreMirror(URL, store));
    List<String> restartedHeard = new ArrayList<>();
    restarted.listen(new Reports(restartedHeard));

    Window restored = restarted.window();
    assertThat(restored).isNotNull();
    assertThat(restored.offset()).isEqualTo(last().offset());
    assertThat(restored.state()).isEqualTo(last().state());
    assertThat(restarted.fromStore()).isTrue();
    assertThat(restartedHeard).containsExactly("restored " + last().id());

    store.clear(URL);
    assertThat(restarted.window())
        .as("held in memory: the store is not read again")
        .isSameAs(restored);
    restarted.hold(restored);
    assertThat(restarted.fromStore()).as("the same window: still the stored one").isTrue();
    Window moved = WindowAssembler.resuming(restored).current();
    restarted.hold(moved);
    assertThat(restarted.fromStore()).isFalse();
    assertThat(restartedHeard)
        .containsExactly("restored " + last().id(), "held " + last().id(), "held " + last().id());
  }

  @Test
  void withNothingStoredThereIsNoLiveWindowAndTheStoreIsReadOnce() {
    assertThat(checkpoint.window()).isNull();
    checkpoint.save(last()); // by another client sharing the store
    assertThat(checkpoint.window()).as("read once per client").isNull();
    assertThat(checkpoint.fromStore()).isFalse();
  }

  @Test
  void aKeyframeIsReportedBeforeTheWindowItStarts() {
    checkpoint.hold(windows.get(0));
    checkpoint.keyframe(windows.get(0), windows.get(1));
    assertThat(heard)
        .containsExactly(
            "held " + windows.get(0).id(),
            "keyframe " + windows.get(0).id() + " -> " + windows.get(1).id(),
            "held " + windows.get(1).id());
    heard.clear();
    assertThat(checkpoint.current()).isSameAs(windows.get(1));
  }

  @Test
  void committingTheLiveWindowDropsItSoAResumingCursorStartsFromTheIndex() {
    checkpoint.hold(last());
    heard.clear();
    checkpoint.committed(windows.get(0).start());
    assertThat(checkpoint.current()).as("another window").isSameAs(last());
    checkpoint.committed(last().start());
    assertThat(checkpoint.current()).isNull();
  }

  @Test
  void resetDropsTheLiveWindowThenTheStore() {
    checkpoint.hold(last());
    checkpoint.save(last());
    heard.clear();

    checkpoint.reset();
    assertThat(heard).containsExactly("reset, store still holds live");
    heard.clear();
    assertThat(store.liveWindow(URL)).isNull();
    assertThat(checkpoint.current()).isNull();
    assertThat(checkpoint.window()).isNull();
  }

  @Test
  void connectedFollowsTheCursor() {
    assertThat(checkpoint.isConnected()).isFalse();
    checkpoint.connected(true);
    assertThat(checkpoint.isConnected()).isTrue();
    checkpoint.stopped();
    assertThat(checkpoint.isConnected()).isFalse();
  }

  @Test
  void aSecondListenerIsRefused() {
    assertThatThrownBy(() -> checkpoint.listen(new Reports(new ArrayList<>())))
        .isInstanceOf(IllegalStateException.class);
  }

  /** Every report of a checkpoint as a line, with what the store held at a reset. */
  private final class Reports implements LiveCheckpoint.Listener {
    private final Collection<String> heard;

    Reports(Collection<String> heard) {
      this.heard = heard;
    }

    @Override
    public void held(Window window, boolean restored) {
      heard.add((restored ? "restored " : "held ") + window.id());
    }

    @Override
    public void keyframe(@Nullable Window completed, Window started) {
      heard.add("keyframe " + (completed != null ? completed.id() : null) + " -> " + started.id());
    }

    @Override
    public void reset() {
      heard.add("reset, store still holds " + (store.liveWindow(URL) != null ? "live" : "nothing"));
    }
  }
}
