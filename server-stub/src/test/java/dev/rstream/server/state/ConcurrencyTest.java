package dev.rstream.server.state;

import static dev.rstream.server.state.Harness.change;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.server.state.Harness.Keyframe;
import dev.rstream.server.storage.MemoryLogStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Writers on several streams (two per stream) race the real keyframe thread: every keyframe must
 * still be the exact state at its position, and every keyframe must end up in its index.
 */
class ConcurrencyTest {
  private static final int STREAMS = 3;
  private static final int WRITERS_PER_STREAM = 2;
  private static final int CHANGES_PER_WRITER = 300;

  @Test
  void keyframesStayExactWhileWritersRaceTheKeyframeThread() throws Exception {
    MemoryLogStore store = new MemoryLogStore();
    RealStreamConventions conventions =
        RealStreamConventions.builder().store(store).offsetFormat(Harness.OFFSETS).build();
    FakeAppender appender = new FakeAppender(store, conventions, Clock.systemUTC()::millis);
    conventions.start(appender);
    ExecutorService writers = Executors.newFixedThreadPool(STREAMS * WRITERS_PER_STREAM);
    try {
      for (int s = 0; s < STREAMS; s++) appender.create("s" + s, "changes=25");
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int s = 0; s < STREAMS; s++) {
        for (int w = 0; w < WRITERS_PER_STREAM; w++) {
          String path = "s" + s;
          String writer = "w" + w;
          done.add(
              writers.submit(
                  () -> {
                    go.await();
                    for (int i = 0; i < CHANGES_PER_WRITER; i++) {
                      String key = writer + "-" + (i % 40);
                      String op = i < 40 ? "insert" : (i % 7 == 0 ? "delete" : "insert");
                      appender.clientAppend(
                          path,
                          change(
                              op,
                              "item",
                              key,
                              op.equals("delete") ? null : "{\"i\":" + i + "}",
                              null));
                    }
                    return null;
                  }));
        }
      }
      go.countDown();
      for (Future<?> f : done) f.get(30, TimeUnit.SECONDS);

      Harness view = Harness.viewOf(store);
      for (int s = 0; s < STREAMS; s++) {
        String path = "s" + s;
        // The keyframe thread may still be writing: wait until every keyframe is indexed.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (view.index(path).size() != view.keyframes(path).size()
            && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        List<Keyframe> keyframes = view.keyframes(path);
        assertThat(keyframes.size()).as("keyframes of %s", path).isGreaterThanOrEqualTo(2);
        assertThat(view.index(path)).hasSameSizeAs(keyframes);
        for (Keyframe k : keyframes) {
          assertThat(k.state())
              .as("keyframe at %d of %s", k.position(), path)
              .isEqualTo(view.replay(path, k.position()));
        }
        assertThat(view.conventionsState(conventions, path))
            .isEqualTo(view.replay(path, Long.MAX_VALUE));
      }
    } finally {
      writers.shutdownNow();
      conventions.close();
    }
  }
}
