package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.retry.Recovery;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server that keeps failing: reads that end give up after the one-shot retry policy with a typed
 * error, the live read keeps retrying, and progress shows the retrying while it lasts.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientRetryBoundTest {
  private static final String T0 = "2026-01-01T00:00:00Z";

  @RegisterExtension final ScriptedServer server = new ScriptedServer(this::answer);
  private final AtomicInteger requests = new AtomicInteger();

  /**
   * What every request gets unless {@link #index} / {@link #head} serve it; if null, reads of the
   * stream get its keyframe (up to date), live reads an empty 200 that moves nothing.
   */
  private volatile @Nullable MockResponse failure =
      new MockResponse.Builder()
          .code(503)
          .body("{\"error\":{\"code\":\"unavailable\",\"message\":\"down\"}}")
          .build();

  private volatile @Nullable String index;
  private volatile @Nullable String head;
  private RStreamClient client;

  private MockResponse answer(RecordedRequest request) {
    requests.incrementAndGet();
    String path = request.getUrl().encodedPath();
    String keyframes = index;
    if (keyframes != null && path.endsWith(".keyframes")) {
      boolean fromStart = "-1".equals(request.getUrl().queryParameter("offset"));
      return ScriptedServer.upToDate("i1", fromStart ? keyframes : "[]").build();
    }
    String tail = head;
    if (tail != null && request.getMethod().equals("HEAD")) {
      return new MockResponse.Builder()
          .code(200)
          .addHeader("Content-Type", "application/json")
          .addHeader("Stream-Next-Offset", tail)
          .build();
    }
    MockResponse failing = failure;
    if (failing != null) return failing;
    boolean live = request.getUrl().queryParameter("live") != null;
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .addHeader("Stream-Next-Offset", "b")
        .addHeader("Stream-Up-To-Date", live ? "false" : "true")
        .body(
            live
                ? ""
                : "[{\"headers\":{\"control\":\"snapshot-start\",\"offset\":\"b\",\"timestamp\":\""
                    + T0
                    + "\"}},{\"headers\":{\"control\":\"snapshot-end\",\"offset\":\"b\"}}]")
        .build();
  }

  @AfterEach
  void tearDown() {
    if (client != null) client.close();
  }

  private RStreamClient.Builder builder() {
    return RStreamClient.builder()
        .streamUrl(server.url("/v1/stream/orders").toString())
        .okHttpClient(server.http())
        .liveLinger(0, SECONDS)
        // The times asked for are all in this client's past.
        .clock(
            java.time.Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), java.time.ZoneOffset.UTC));
  }

  private static RetryPolicy fast(int retries) {
    return RetryPolicy.builder()
        .initialDelay(1, MILLISECONDS)
        .maxDelay(5, MILLISECONDS)
        .maxRetries(retries)
        .build();
  }

  @Test
  void aWindowReadFailsTypedOnceTheOneShotPolicyGivesUpAndProgressShowedItRetrying() {
    client = builder().oneShotRetryPolicy(fast(3)).build();
    TestSubscriber<Progress> progress = client.progress().test();

    TestSubscriber<StateView> window =
        client.window(Instant.parse(T0)).test().awaitDone(10, SECONDS);

    window.assertNoValues().assertError(TransientException.class);
    TransientException error =
        (TransientException) dev.rstream.internal.http.TransportFixture.errorOf(window);
    assertThat(error.status()).isEqualTo(503);
    assertThat(error.serverCode()).isEqualTo("unavailable");
    assertThat(error.getMessage())
        .contains("HTTP 503: down", "gave up after 3 retries", ".keyframes");
    assertThat(requests.get()).isEqualTo(4);
    // While it lasted, progress said which attempt and why; once it ended, no read retries.
    List<Progress> seen = progress.values();
    assertThat(seen).extracting(Progress::retryAttempt).contains(1, 2, 3);
    Progress retrying = seen.stream().filter(p -> p.retryAttempt() == 3).findFirst().orElseThrow();
    assertThat(retrying.retryCause().status()).isEqualTo(503);
    assertThat(retrying.retryCause().getMessage()).contains("HTTP 503: down");
    // Progress is updated before the error is delivered; its emission may still be on its way.
    Progress last =
        client
            .progress()
            .filter(p -> p.retryAttempt() == 0)
            .firstOrError()
            .timeout(5, SECONDS)
            .blockingGet();
    assertThat(last.retryCause()).isNull();
  }

  @Test
  void aCacheAnsweringAnEmptyBodyForEverEndsTheWindowReadWithAnError() {
    failure =
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .addHeader("Stream-Next-Offset", "i1")
            .body("")
            .build();
    client = builder().oneShotRetryPolicy(fast(3)).build();

    client
        .window(Instant.parse(T0))
        .test()
        .awaitDone(10, SECONDS)
        .assertNoValues()
        .assertError(RStreamException.class);
  }

  @Test
  void aTimeInTheLiveWindowGivesUpWhenTheLiveReadKeepsFailing() {
    index = "[{\"offset\":\"a\",\"timestamp\":\"" + T0 + "\"}]";
    head = "c";
    client = builder().oneShotRetryPolicy(fast(2)).build();

    TestSubscriber<StateView> window =
        client.window(Instant.parse(T0).plusSeconds(1)).test().awaitDone(10, SECONDS);

    window.assertNoValues().assertError(TransientException.class);
    assertThat(dev.rstream.internal.http.TransportFixture.errorOf(window).getMessage())
        .contains("the live read failed 3 times in a row", "HTTP 503");
  }

  @Test
  void aTimeInTheLiveWindowGivesUpWhenTheLiveReadAnswersButNeverMoves() {
    index = "[{\"offset\":\"a\",\"timestamp\":\"" + T0 + "\"}]";
    head = "c";
    // A cache: the catch-up to "b" is up to date, then every live answer is 200 with nothing.
    failure = null;
    client =
        builder()
            .oneShotRetryPolicy(RetryPolicy.builder().maxElapsed(300, MILLISECONDS).build())
            .build();

    TestSubscriber<StateView> window =
        client.window(Instant.parse(T0).plusSeconds(1)).test().awaitDone(10, SECONDS);

    window.assertNoValues().assertError(TransientException.class);
    assertThat(dev.rstream.internal.http.TransportFixture.errorOf(window).getMessage())
        .contains("the live read has read nothing new for 300 ms");
  }

  /**
   * With no policy set, a one-shot read gives up after 30 s of retrying and the live read never:
   * the client's scheduler times the retries, so virtual time runs them.
   */
  @Test
  void byDefaultOneShotReadsGiveUpAfterThirtySecondsAndTheLiveReadRetriesOn() {
    TestScheduler time = new TestScheduler();
    client = builder().scheduler(time).build();
    java.util.concurrent.atomic.AtomicLong failedAt =
        new java.util.concurrent.atomic.AtomicLong(-1);
    TestSubscriber<StateView> window =
        client.window(Instant.parse(T0)).doOnError(e -> failedAt.set(time.now(SECONDS))).test();
    TestSubscriber<StateView> live = client.live().test();
    TestSubscriber<Progress> progress = client.progress().test();

    for (long second = 0; second < 120; second++) {
      time.advanceTimeBy(1, SECONDS); // runs the reads due now, on this thread
    }

    assertThat(failedAt.get())
        .as("window failed after (virtual) seconds")
        .isBetween(Recovery.ONE_SHOT_RETRY_SECONDS, Recovery.ONE_SHOT_RETRY_SECONDS + 31);
    window.assertError(
        e -> e instanceof TransientException && ((TransientException) e).status() == 503);
    live.assertNotComplete().assertNoErrors();
    Progress last = progress.values().get(progress.values().size() - 1);
    assertThat(last.live()).isEqualTo(Progress.Live.RECONNECTING);
    assertThat(last.retryAttempt()).isPositive();
    assertThat(last.retryCause().status()).isEqualTo(503);
    int before = requests.get();
    time.advanceTimeBy(60, SECONDS);
    assertThat(requests.get()).as("the live read still retries").isGreaterThan(before);
    live.cancel();
  }

  @Test
  void oneShotReadsMayRetryForEver() {
    TestScheduler time = new TestScheduler();
    client = builder().scheduler(time).oneShotRetryPolicy(RetryPolicy.defaults()).build();
    TestSubscriber<StateView> window = client.window(Instant.parse(T0)).test();

    time.advanceTimeBy(10, java.util.concurrent.TimeUnit.MINUTES);

    window.assertNotComplete().assertNoErrors();
    assertThat(requests.get()).isGreaterThan(10);
    window.cancel();
  }
}
