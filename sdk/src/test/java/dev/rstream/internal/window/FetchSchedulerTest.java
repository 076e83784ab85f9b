package dev.rstream.internal.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactivex.rxjava3.schedulers.TestScheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded scheduler of window fetches: who runs, who waits, and who wakes up when. */
class FetchSchedulerTest {
  private final TestScheduler scheduler = new TestScheduler();
  private final List<String> ran = new ArrayList<>();
  private final FetchScheduler fetches = new FetchScheduler(scheduler, 2);

  private Runnable fetch(String name) {
    return () -> ran.add(name);
  }

  @Test
  void fetchesUpToTheBoundRunOnTheSchedulerAndTheRestWait() {
    fetches.submit(fetch("a"));
    fetches.submit(fetch("b"));
    fetches.submit(fetch("c"));
    assertThat(ran).as("nothing runs on the submitting thread").isEmpty();

    scheduler.triggerActions();
    assertThat(ran).containsExactly("a", "b");
    assertThat(fetches.running()).isEqualTo(2);
    assertThat(fetches.waiting()).isEqualTo(1);
  }

  @Test
  void aReleasedSlotWakesTheLongestWaitingFetch() {
    for (String name : List.of("a", "b", "c", "d")) fetches.submit(fetch(name));
    scheduler.triggerActions();

    fetches.release(); // "a" ends: its slot goes to "c", not back to the pool
    assertThat(fetches.running()).isEqualTo(2);
    assertThat(fetches.waiting()).isEqualTo(1);
    assertThat(ran)
        .as("woken on the scheduler, not on the releasing thread")
        .containsExactly("a", "b");
    scheduler.triggerActions();
    assertThat(ran).containsExactly("a", "b", "c");

    fetches.release();
    scheduler.triggerActions();
    assertThat(ran).containsExactly("a", "b", "c", "d");
    assertThat(fetches.waiting()).isZero();
  }

  @Test
  void aReleaseWithNoOneWaitingFreesTheSlotForTheNextSubmission() {
    fetches.submit(fetch("a"));
    fetches.submit(fetch("b"));
    scheduler.triggerActions();
    fetches.release();
    fetches.release();
    assertThat(fetches.running()).isZero();

    fetches.submit(fetch("c"));
    fetches.submit(fetch("d"));
    fetches.submit(fetch("e"));
    scheduler.triggerActions();
    assertThat(ran).containsExactly("a", "b", "c", "d");
    assertThat(fetches.waiting()).isEqualTo(1);
  }

  @Test
  void aFetchReleasingItsSlotFromItsOwnRunWakesTheNext() {
    FetchScheduler one = new FetchScheduler(scheduler, 1);
    one.submit(
        () -> {
          ran.add("a");
          one.release();
        });
    one.submit(
        () -> {
          ran.add("b");
          one.release();
        });
    scheduler.triggerActions();
    assertThat(ran).containsExactly("a", "b");
    assertThat(one.running()).isZero();
  }

  @Test
  void aBoundBelowOneIsRefused() {
    assertThatThrownBy(() -> new FetchScheduler(scheduler, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
