package dev.rstream.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.Offset;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link StoreMirror} writes to the store, and what it does when the store fails. */
class StoreMirrorTest {
  private static final String URL = "http://fake/v1/stream/orders";

  private final MemoryLocalStore memory = new MemoryLocalStore();
  private final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
  private volatile boolean failing;
  private final LocalStore store = recording(memory);
  private final StoreMirror mirror = new StoreMirror(URL, store);

  @AfterEach
  void assertExhausted() {
    assertThat(calls).as("unexpected store calls").isEmpty();
  }

  @Test
  void liveSavesAppendOnlyWhatTheWindowGainedSinceTheLastSave() {
    LiveWindow window = new LiveWindow("-1", Offset.START);
    window.add(2);
    mirror.saveLive(window, window::toStored);
    assertThat(calls.poll()).isEqualTo("putLiveWindow"); // nothing stored yet: the whole window

    window.add(3);
    mirror.saveLive(window, window::toStored);
    assertThat(calls.poll()).isEqualTo("appendLive");
    assertThat(memory.liveWindow(URL).changes()).hasSize(5);

    mirror.saveLive(window, window::toStored);
    assertThat(calls).as("nothing gained: nothing written").isEmpty();
  }

  @Test
  void anotherWindowIsPutWhole() {
    LiveWindow first = new LiveWindow("-1", Offset.START);
    first.add(1);
    mirror.saveLive(first, first::toStored);
    calls.clear();

    LiveWindow next = new LiveWindow("0000000009", offset(9));
    next.add(1);
    mirror.saveLive(next, next::toStored);
    assertThat(calls.poll()).isEqualTo("putLiveWindow");
    assertThat(memory.liveWindow(URL).baseOffset()).isEqualTo(offset(9));
  }

  @Test
  void anAppendTheStoreRefusesPutsTheWholeWindow() {
    LiveWindow window = new LiveWindow("-1", Offset.START);
    window.add(1);
    mirror.saveLive(window, window::toStored);
    memory.clear(URL); // another client, or eviction: the stored window is not ours any more
    calls.clear();

    window.add(1);
    mirror.saveLive(window, window::toStored);
    assertThat(calls.poll()).isEqualTo("appendLive");
    assertThat(calls.poll()).isEqualTo("putLiveWindow");
    assertThat(memory.liveWindow(URL).changes()).hasSize(2);
  }

  @Test
  void aFailedSaveIsLoggedAndTheNextOnePutsTheWholeWindowAgain() {
    LiveWindow window = new LiveWindow("-1", Offset.START);
    window.add(1);
    failing = true;
    mirror.saveLive(window, window::toStored); // no exception reaches the caller
    assertThat(calls.poll()).isEqualTo("putLiveWindow");

    failing = false;
    window.add(1);
    mirror.saveLive(window, window::toStored);
    assertThat(calls.poll()).isEqualTo("putLiveWindow");
    assertThat(memory.liveWindow(URL).changes()).hasSize(2);
  }

  @Test
  void aRestoredLiveWindowIsContinuedByAppends() {
    LiveWindow stored = new LiveWindow("-1", Offset.START);
    stored.add(2);
    memory.putLiveWindow(URL, stored.toStored());

    LiveWindow restored = mirror.liveWindow(s -> new LiveWindow("-1", s.baseOffset(), s.changes()));
    assertThat(calls.poll()).isEqualTo("liveWindow");
    restored.add(1);
    mirror.saveLive(restored, restored::toStored);
    assertThat(calls.poll()).isEqualTo("appendLive");
  }

  @Test
  void aStoredWindowTheRestoreRefusesIsNotServed() {
    memory.putLiveWindow(URL, new LiveWindow("-1", Offset.START).toStored());
    LiveWindow restored =
        mirror.liveWindow(
            s -> {
              throw new IllegalStateException("not a window any stream could send");
            });
    assertThat(restored).isNull();
    assertThat(calls.poll()).isEqualTo("liveWindow");
  }

  @Test
  void aWindowReadFromTheStoreIsNotWrittenBack() {
    AtomicInteger copies = new AtomicInteger();
    StoredWindow window = new LiveWindow("-1", Offset.START).toStored();
    mirror.committed(
        true,
        () -> {
          copies.incrementAndGet();
          return window;
        });
    assertThat(copies).hasValue(0);

    mirror.committed(
        false,
        () -> {
          copies.incrementAndGet();
          return window;
        });
    assertThat(copies).hasValue(1);
    assertThat(calls.poll()).isEqualTo("putWindow");
  }

  @Test
  void withNoStoreNothingIsCopiedOrWritten() {
    StoreMirror none = new StoreMirror(URL, NoLocalStore.INSTANCE);
    LiveWindow window = new LiveWindow("-1", Offset.START);
    window.add(1);
    none.saveLive(
        window,
        () -> {
          throw new AssertionError("copied a window for no store");
        });
    none.committed(
        false,
        () -> {
          throw new AssertionError("copied a window for no store");
        });
    assertThat(none.keepsWindows()).isFalse();
  }

  @Test
  void aFailingStoreReadsAsEmpty() {
    failing = true;
    assertThat(mirror.keyframes()).isEmpty();
    assertThat(mirror.keyframesNext()).isEqualTo(Offset.START);
    assertThat(mirror.window("-1")).isNull();
    assertThat(calls).containsExactly("keyframes", "keyframesNext", "window");
    calls.clear();
  }

  @Test
  void clearForgetsTheStoredLiveWindow() {
    LiveWindow window = new LiveWindow("-1", Offset.START);
    window.add(1);
    mirror.saveLive(window, window::toStored);
    mirror.clear();
    assertThat(calls).containsExactly("putLiveWindow", "clear");
    calls.clear();

    window.add(1);
    mirror.saveLive(window, window::toStored);
    assertThat(calls.poll())
        .as("the store's copy is gone: the whole window")
        .isEqualTo("putLiveWindow");
  }

  private static Offset offset(int n) {
    return Offset.of(String.format("%010d", n));
  }

  /** {@code delegate}, recording each call's name and failing each while {@link #failing}. */
  private LocalStore recording(LocalStore delegate) {
    return (LocalStore)
        Proxy.newProxyInstance(
            LocalStore.class.getClassLoader(),
            new Class<?>[] {LocalStore.class},
            (proxy, method, args) -> {
              calls.add(method.getName());
              if (failing) throw new IllegalStateException("disk full");
              try {
                return method.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** A live window without a keyframe: changes with offsets 1, 2, ... after its base. */
  private static final class LiveWindow implements LiveWindowContent {
    private final String id;
    private final Offset base;
    private final List<Change> changes = new ArrayList<>();

    LiveWindow(String id, Offset base) {
      this(id, base, Collections.<Change>emptyList());
    }

    LiveWindow(String id, Offset base, List<Change> changes) {
      this.id = id;
      this.base = base;
      this.changes.addAll(changes);
    }

    void add(int n) {
      for (int i = 0; i < n; i++) {
        int at = changes.size() + 1;
        changes.add(
            Change.builder()
                .operation(Change.Operation.INSERT)
                .type("order")
                .key("o" + at)
                .value("{}")
                .timestamp(Instant.EPOCH)
                .offset(StoreMirrorTest.offset(1000 + at))
                .build());
      }
    }

    StoredWindow toStored() {
      return StoredWindow.of((Keyframe) null, null, base, Collections.<Change>emptyList(), changes);
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Offset baseOffset() {
      return base;
    }

    @Override
    public Offset offset() {
      return changes.isEmpty() ? base : changes.get(changes.size() - 1).offset();
    }

    @Override
    public int changeCount() {
      return changes.size();
    }

    @Override
    public Change change(int i) {
      return changes.get(i);
    }
  }
}
