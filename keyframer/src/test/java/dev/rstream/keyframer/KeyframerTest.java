package dev.rstream.keyframer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.ProducerFencedException;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import dev.rstream.durable.DurableStream;
import dev.rstream.testing.StubServerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The keyframer on a plain Durable Streams stream (server-stub without its own keyframing, as any
 * other server serves it): keyframes while writers append, and two keyframers on one stream.
 */
class KeyframerTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();

  @Test
  void writersAppendingWhileKeyframesAreBuiltNeverChangeTheStateAtAnyTime() throws Exception {
    String url = server.createJsonStream("kf/orders");
    DurableStream stream = DurableStream.builder().url(url).okHttpClient(server.http()).build();
    Random random = new Random(3);
    AtomicInteger squeezed = new AtomicInteger();
    Keyframer keyframer =
        Keyframer.builder(url)
            .okHttpClient(server.http())
            .changes(15)
            .interval(Duration.ofMillis(300))
            // Half the keyframes get a change between the state they hold and their append.
            .beforeKeyframeAppend(
                () -> {
                  if (squeezed.getAndIncrement() % 2 == 0) {
                    stream
                        .appendJson(
                            Writers.change(random, START.plusSeconds(86_400 + squeezed.get())))
                        .blockingGet();
                  }
                })
            .build();
    try (RunningKeyframer running = RunningKeyframer.start(keyframer, "keyframer")) {
      awaitIndexEntries(url, 1);
      // Three writers, one of them 10 minutes behind: effective timestamps order the stream.
      try (Writers writers =
          Writers.start(
              server.http(),
              url,
              START,
              List.of(Duration.ZERO, Duration.ofMinutes(-10), Duration.ofSeconds(5)),
              60,
              Duration.ofMillis(5))) {
        writers.join(Duration.ofSeconds(60));
      }
      running.assertNotFailed();
      StreamAudit audit = awaitFullyIndexed(url, running);
      audit.assertWellFormed();
      assertThat(audit.keyframes).hasSizeGreaterThan(5);
      assertThat(audit.keyframesWithChangesBetweenAsOfAndPosition()).isPositive();
      assertTimeSeekEqualsReplay(url, audit, new Random(11), 25);
    }
  }

  @Test
  void aSecondKeyframerFencesTheFirstWithoutInterleavedOrDuplicateKeyframes() throws Exception {
    String url = server.createJsonStream("kf/two");
    try (RunningKeyframer first =
        RunningKeyframer.start(
            Keyframer.builder(url).okHttpClient(server.http()).changes(10).build(), "first")) {
      awaitIndexEntries(url, 1);
      twoKeyframers(url, first);
    }
  }

  private void twoKeyframers(String url, RunningKeyframer first) throws Exception {
    try (Writers writers =
        Writers.start(
            server.http(), url, START, List.of(Duration.ZERO), 10_000, Duration.ofMillis(3))) {
      awaitIndexEntries(url, 3);
      try (RunningKeyframer second =
          RunningKeyframer.start(
              Keyframer.builder(url).okHttpClient(server.http()).changes(10).build(), "second")) {
        Throwable fenced =
            org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> first.outcome.get(30, TimeUnit.SECONDS));
        assertThat(fenced.getCause()).isInstanceOf(ProducerFencedException.class);
        int indexedAtFence = StreamAudit.read(server.http(), url).index.size();
        awaitIndexEntries(url, indexedAtFence + 3); // the second goes on writing
        writers.stop();
        second.assertNotFailed();
        StreamAudit audit = awaitFullyIndexed(url, second);
        audit.assertWellFormed();
        assertTimeSeekEqualsReplay(url, audit, new Random(5), 10);
      }
    }
  }

  /** Waits until the index lists at least {@code count} keyframes. */
  void awaitIndexEntries(String url, int count) throws InterruptedException {
    Poll.until(
        count + " index entries",
        Duration.ofSeconds(30),
        () -> StreamAudit.read(server.http(), url).index.size() >= count);
  }

  /** Waits until the keyframer has nothing left to write: every keyframe indexed, none due. */
  StreamAudit awaitFullyIndexed(String url, RunningKeyframer running) throws Exception {
    StreamAudit[] last = new StreamAudit[1];
    Poll.until(
        "every keyframe indexed",
        Duration.ofSeconds(30),
        () -> {
          StreamAudit audit = StreamAudit.read(server.http(), url);
          last[0] = audit;
          return audit.index.size() == audit.keyframes.size() && !running.outcome.isDone();
        });
    running.assertNotFailed();
    return last[0];
  }

  /**
   * {@code window(T)} of a fresh client equals the full replay at {@code samples} times: each
   * change's effective time, a random time between two of them, and one before the first change.
   */
  static void assertTimeSeekEqualsReplay(
      String url, StreamAudit audit, Random random, int samples) {
    List<Instant> times = new ArrayList<>();
    times.add(audit.changes.get(0).effective().minusSeconds(1));
    for (int i = 0; i < samples; i++) {
      StreamAudit.ChangeAt change = audit.changes.get(random.nextInt(audit.changes.size()));
      times.add(
          random.nextBoolean()
              ? change.effective()
              : change.effective().plusMillis(random.nextInt(700)));
    }
    try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
      for (Instant time : times) {
        StateView view = client.window(time).timeout(30, TimeUnit.SECONDS).blockingLast();
        assertThat(values(view)).as("state at %s", time).isEqualTo(audit.replayTo("order", time));
      }
    }
  }

  static Map<String, JsonNode> values(StateView view) {
    Map<String, JsonNode> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> entity : view.entities("order").entrySet()) {
      try {
        values.put(entity.getKey(), MAPPER.readTree(entity.getValue()));
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }
    return values;
  }
}
