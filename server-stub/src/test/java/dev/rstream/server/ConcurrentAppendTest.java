package dev.rstream.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers racing on one stream, some retrying through idempotent producers, while an SSE reader
 * follows: every unit lands once, offsets only grow, and each stamped offset resumes exactly after
 * its unit.
 */
class ConcurrentAppendTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WRITERS = 6;
  private static final int UNITS = 40;

  @Test
  void racingWritersLoseAndDuplicateNothingInMemory() throws Exception {
    race(StubServer.builder().memory());
  }

  @Test
  void racingWritersLoseAndDuplicateNothingOnDisk(@TempDir Path dir) throws Exception {
    race(StubServer.builder().dataDir(dir));
  }

  private static void race(StubServer.Builder builder) throws Exception {
    try (StubServer server = builder.conventions(new RecordingConventions()).build().start()) {
      Http http = new Http(server);
      assertThat(http.put("race", "application/json", "").code()).isEqualTo(201);
      List<JsonNode> seen = new ArrayList<>();
      try (SseEvents sse = new SseEvents(http, "race?offset=-1&live=sse")) {
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          int writer = w;
          writers.add(
              pool.submit(
                  () -> {
                    go.await();
                    for (int u = 0; u < UNITS; u++) {
                      String unit =
                          "[{\"type\":\"t\",\"key\":\"w"
                              + writer
                              + "u"
                              + u
                              + "\",\"value\":"
                              + u
                              + ",\"headers\":{\"operation\":\"insert\"}},{\"plain\":"
                              + u
                              + "}]";
                      String[] producer = {
                        "Producer-Id",
                        "w" + writer,
                        "Producer-Epoch",
                        "0",
                        "Producer-Seq",
                        Integer.toString(u)
                      };
                      assertThat(http.post("race", "application/json", unit, producer).code())
                          .isEqualTo(200);
                      if (u % 5 == 0) {
                        // A retry after a lost answer: recognised, not appended again.
                        assertThat(http.post("race", "application/json", unit, producer).code())
                            .isEqualTo(204);
                      }
                    }
                    return null;
                  }));
        }
        go.countDown();
        for (Future<?> writer : writers) writer.get(60, SECONDS);
        pool.shutdown();

        while (seen.size() < WRITERS * UNITS * 2) {
          SseEvents.Event event = sse.next();
          if (event.name().equals("data")) {
            JSON.readTree(event.data()).forEach(seen::add);
          }
        }
      }
      assertThat(seen).hasSize(WRITERS * UNITS * 2);
      Set<String> keys = new HashSet<>();
      String previous = "";
      for (int i = 0; i < seen.size(); i += 2) {
        JsonNode change = seen.get(i);
        assertThat(keys.add(change.get("key").asText())).isTrue();
        // The plain message of the unit follows its change: units are never interleaved.
        assertThat(seen.get(i + 1).get("plain").asInt()).isEqualTo(change.get("value").asInt());
        String offset = change.get("headers").get("offset").asText();
        assertThat(offset).isGreaterThan(previous);
        previous = offset;
      }
      // Resuming from a unit's stamped offset returns the next unit first.
      String middle = seen.get(WRITERS * UNITS).get("headers").get("offset").asText();
      JsonNode rest = JSON.readTree(http.get("race?offset=" + middle).bytes());
      assertThat(rest.get(0)).isEqualTo(seen.get(WRITERS * UNITS + 2));
      http.close();
    }
  }
}
