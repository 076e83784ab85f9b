package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * Waits on what a {@code live()} subscriber has been shown. {@link RStreamClient#awaitOffset}
 * completes once the client has applied an offset, which can be a moment before the view of it
 * reaches an earlier subscriber on the client's I/O thread (a subscription made meanwhile is handed
 * the latest state at once). A test that reads a subscriber's values waits on them.
 */
final class LiveViews {
  private LiveViews() {}

  /**
   * The subscriber's latest view once one at or past {@code offset} has arrived; fails after 10 s.
   */
  static StateView latestAtOrPast(TestSubscriber<StateView> subscriber, Offset offset)
      throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (true) {
      List<StateView> views = subscriber.values();
      int size = views.size();
      if (size > 0 && views.get(size - 1).offset().compareTo(offset) >= 0)
        return views.get(size - 1);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no view at or past " + offset + " within 10 s; got " + size);
      }
      Thread.sleep(5); // polls a condition with a deadline
    }
  }

  /** The changes of every view, in order, once a view at or past {@code offset} has arrived. */
  static List<Change> changesThrough(TestSubscriber<StateView> subscriber, Offset offset)
      throws InterruptedException {
    latestAtOrPast(subscriber, offset);
    List<StateView> views = subscriber.values();
    List<Change> changes = new ArrayList<>();
    // By index: the subscriber's list may still grow while it is read.
    for (int i = 0, n = views.size(); i < n; i++) changes.addAll(views.get(i).changes());
    return changes;
  }

  /**
   * Appends {@code change} through {@code client} and waits until the client has applied it (read
   * your writes); returns the offset after it. Fails after 10 s for each.
   */
  static Offset appendApplied(RStreamClient client, Change change) {
    Offset written = client.append(change).timeout(10, SECONDS).blockingGet();
    client.awaitOffset(written).timeout(10, SECONDS).blockingAwait();
    return written;
  }

  /**
   * Takes views from {@code views} until they hold {@code count} changes; fails after 15 s without
   * one.
   */
  static List<Change> changesSeen(BlockingQueue<StateView> views, int count)
      throws InterruptedException {
    List<Change> seen = new ArrayList<>();
    while (seen.size() < count) {
      StateView view = views.poll(15, SECONDS);
      assertThat(view).as("a view for change %s, in time", seen.size()).isNotNull();
      seen.addAll(view.changes());
    }
    return seen;
  }

  /**
   * Waits until the store's live window reaches {@code offset} (it is written after emitting; it
   * may pass it when the server wrote a keyframe after the last append).
   */
  static void awaitStoredLive(LocalStore store, String url, Offset offset)
      throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (true) {
      Offset end = storedLiveEnd(store, url);
      if (end != null && end.compareTo(offset) >= 0) return;
      if (System.nanoTime() > deadline)
        throw new AssertionError("store's live window ends at " + end + ", not " + offset);
      Thread.sleep(10); // polling a condition, bounded by the deadline
    }
  }

  /**
   * The offset the store's live window of {@code url} ends at: its last change's, or its base
   * offset when it holds none; null when it has no live window.
   */
  static @Nullable Offset storedLiveEnd(LocalStore store, String url) {
    LocalStore.StoredWindow live = store.liveWindow(url);
    if (live == null) return null;
    List<Change> changes = live.changes();
    return changes.isEmpty() ? live.baseOffset() : changes.get(changes.size() - 1).offset();
  }
}
