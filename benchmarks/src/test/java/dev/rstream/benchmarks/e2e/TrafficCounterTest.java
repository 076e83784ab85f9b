package dev.rstream.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

/**
 * The harness reads a {@link TrafficCounter} while the client it counts is still making requests.
 */
final class TrafficCounterTest {
  private static final int ROUNDS = 200;
  private static final int REQUESTS = 50;

  /** Answers every call itself, so a round makes its requests without a server. */
  private static final Interceptor ANSWER =
      chain ->
          new Response.Builder()
              .request(chain.request())
              .protocol(Protocol.HTTP_1_1)
              .code(200)
              .message("OK")
              .body(ResponseBody.create("", null))
              .build();

  @Test
  void readsWhileRequestsStartSeeOnePrefixOfThemInOrder() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) expected.add("/r?i=" + i);
    ExecutorService client = Executors.newSingleThreadExecutor();
    try {
      for (int round = 0; round < ROUNDS; round++) {
        TrafficCounter counter = new TrafficCounter();
        OkHttpClient http =
            new OkHttpClient.Builder().addInterceptor(counter).addInterceptor(ANSWER).build();
        Future<?> requests =
            client.submit(
                () -> {
                  for (int i = 0; i < REQUESTS; i++) {
                    http.newCall(
                            new Request.Builder().url("http://counted.invalid/r?i=" + i).build())
                        .execute()
                        .close();
                  }
                  return null;
                });
        while (!requests.isDone()) {
          int before = (int) counter.requests();
          List<String> since = counter.requested(before / 2);
          // What started before the count was read is all there, in order, and nothing else is.
          assertThat(since.size())
              .as("round %d", round)
              .isGreaterThanOrEqualTo(before - before / 2);
          assertThat(since)
              .as("round %d", round)
              .isEqualTo(expected.subList(before / 2, before / 2 + since.size()));
        }
        requests.get(5, TimeUnit.SECONDS);
        assertThat(counter.requests()).isEqualTo(REQUESTS);
        assertThat(counter.requested(0)).isEqualTo(expected);
      }
    } finally {
      client.shutdownNow();
    }
  }
}
