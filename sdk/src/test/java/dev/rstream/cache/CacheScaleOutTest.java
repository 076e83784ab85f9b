package dev.rstream.cache;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rstream.Change;
import dev.rstream.LiveTransport;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.server.http.StreamHandler;
import dev.rstream.testing.Nginx;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.Disposable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hundred devices behind one nginx ({@code deploy/nginx/rstream-cache.conf}) read the same past
 * windows and follow the stream live by long-poll: the origin sees each committed range once and
 * one long-poll per live interval, not one per device. Skipped when nginx is not installed.
 */
@ExtendWith(UndeliveredRxErrors.class)
class CacheScaleOutTest {
  private static final int CLIENTS = 100;
  private static final int CHANGES = 2400;
  private static final int KEYFRAME_EVERY = 300;
  private static final int LIVE_APPENDS = 5;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @RegisterExtension
  final StubServerExtension server =
      StubServerExtension.configured(
          builder ->
              builder
                  // Windows span several reads, so most chunks end below the tail (immutable).
                  .maxReadBytes(16 * 1024)
                  .longPollTimeout(Duration.ofSeconds(2)));

  private final List<RStreamClient> clients = new ArrayList<>();
  private Nginx nginx;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Nginx.available(), "nginx is not on the PATH");
    nginx = Nginx.start(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    clients.forEach(RStreamClient::close);
    if (nginx != null) nginx.close();
  }

  /** A separate device: its own OkHttp client (connections, dispatcher), through the cache. */
  private RStreamClient device(String streamPath) {
    OkHttpClient http = server.newHttpClient();
    RStreamClient client =
        RStreamClient.builder()
            .streamUrl(nginx.url() + StreamHandler.PREFIX + streamPath)
            .okHttpClient(http)
            .liveTransport(LiveTransport.LONG_POLL)
            .liveLinger(0, SECONDS)
            .build();
    clients.add(client);
    return client;
  }

  @Test
  void thousandsOfReadsReachTheOriginOncePerRangeAndLivePollsCollapse() throws Exception {
    String path = "fleet/orders";
    RStreamClient writer = RStreamClient.builder().streamUrl(server.streamUrl(path)).build();
    clients.add(writer);
    DurableStream.builder()
        .url(server.streamUrl(path))
        .build()
        .create(
            CreateOptions.builder()
                .contentType("application/json")
                .header("Rstream-Keyframes", "changes=" + KEYFRAME_EVERY + ", interval=3600s")
                .build())
        .timeout(10, SECONDS)
        .blockingGet();
    for (int batch = 0; batch < CHANGES / 100; batch++) {
      List<Change> changes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        int n = batch * 100 + i;
        changes.add(
            Change.update(
                "order", "o" + (n % 250), "{\"qty\":" + n + ",\"note\":\"batch " + batch + "\"}"));
      }
      writer.append(changes).timeout(10, SECONDS).blockingGet();
    }
    List<Instant> past = committedWindowTimes(path, CHANGES / KEYFRAME_EVERY);
    assertThat(past).hasSizeGreaterThanOrEqualTo(5);

    List<RStreamClient> devices = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) devices.add(device(path));
    // Every device asks for every past window, all devices at once.
    List<List<StateView>> seen =
        Flowable.fromIterable(devices)
            .flatMapSingle(
                device ->
                    Flowable.fromIterable(past)
                        .concatMapSingle(time -> device.window(time).lastOrError())
                        .toList(),
                false,
                CLIENTS)
            .toList()
            .timeout(30, SECONDS)
            .blockingGet();
    for (List<StateView> views : seen) {
      assertThat(views)
          .extracting(StateView::offset)
          .isEqualTo(seen.get(0).stream().map(StateView::offset).toList());
    }

    List<Nginx.Hit> catchUp = nginx.hits();
    assertThat(catchUp).hasSizeGreaterThanOrEqualTo(CLIENTS * 2);
    Map<String, Long> originPerRange =
        catchUp.stream()
            .filter(Nginx.Hit::origin)
            .collect(Collectors.groupingBy(Nginx.Hit::uri, Collectors.counting()));
    assertThat(originPerRange)
        .as("origin fetches per range")
        .isNotEmpty()
        .allSatisfy((uri, count) -> assertThat(count).as(uri).isEqualTo(1L));

    // Live: every device follows by long-poll, and sees every append.
    List<Disposable> live = new ArrayList<>();
    List<Throwable> liveErrors = new CopyOnWriteArrayList<>();
    for (RStreamClient device : devices)
      live.add(device.live().subscribe(view -> {}, liveErrors::add));
    Offset tail = Offset.of(headTail(server.streamUrl(path)));
    awaitAll(devices, tail);
    int before = nginx.hits().size();
    for (int i = 0; i < LIVE_APPENDS; i++) {
      Offset written =
          writer
              .append(List.of(Change.update("order", "live", "{\"n\":" + i + "}")))
              .timeout(10, SECONDS)
              .blockingGet();
      awaitAll(devices, written);
    }
    // Quiet periods: every device's long-poll times out (204) twice, then data flows again.
    awaitOriginTimeouts(before, 2);
    Offset afterQuiet =
        writer
            .append(List.of(Change.update("order", "live", "{\"n\":-1}")))
            .timeout(10, SECONDS)
            .blockingGet();
    awaitAll(devices, afterQuiet);
    live.forEach(Disposable::dispose);
    assertThat(liveErrors).as("live errors").isEmpty();
    // One read of the log: nginx logs the long-polls just cancelled as they end, so a second read
    // can be longer than the first.
    List<Nginx.Hit> hits = nginx.hits();
    List<Nginx.Hit> livePolls =
        hits.subList(before, hits.size()).stream().filter(Nginx.Hit::live).toList();
    long atOrigin = livePolls.stream().filter(Nginx.Hit::origin).count();
    assertThat(livePolls)
        .as("long-polls the devices made")
        .hasSizeGreaterThanOrEqualTo(CLIENTS * LIVE_APPENDS);
    assertThat(atOrigin)
        .as("long-polls that reached the origin, of %s", livePolls.size())
        .isGreaterThanOrEqualTo(LIVE_APPENDS + 3)
        .isLessThanOrEqualTo(livePolls.size() / 10);
    long timeoutsSeen = livePolls.stream().filter(hit -> hit.status() == 204).count();
    long timeoutsAtOrigin =
        livePolls.stream().filter(hit -> hit.status() == 204 && hit.origin()).count();
    assertThat(timeoutsSeen).as("204s the devices got").isGreaterThanOrEqualTo(2L * CLIENTS);
    assertThat(timeoutsAtOrigin).as("204s from the origin").isLessThanOrEqualTo(timeoutsSeen / 10);
  }

  /**
   * Waits until the origin has answered {@code count} long-poll timeouts since log line {@code
   * from}. There is no event to wait on: nginx only tells through its log, polled here.
   */
  private void awaitOriginTimeouts(int from, int count) throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(20);
    while (true) {
      List<Nginx.Hit> hits = nginx.hits();
      long timeouts =
          hits.subList(from, hits.size()).stream()
              .filter(hit -> hit.live() && hit.status() == 204 && hit.origin())
              .count();
      if (timeouts >= count) return;
      assertThat(System.nanoTime()).as("origin long-poll timeouts in time").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static void awaitAll(List<RStreamClient> devices, Offset offset) {
    Completable.merge(devices.stream().map(d -> d.awaitOffset(offset)).toList())
        .timeout(20, SECONDS)
        .blockingAwait();
  }

  /**
   * The timestamps of all keyframes but the last, read from the origin's index once it holds {@code
   * count} of them (the server writes keyframes asynchronously): each is in a committed window.
   */
  private List<Instant> committedWindowTimes(String path, int count) throws Exception {
    OkHttpClient http = server.http();
    List<Instant> times = new ArrayList<>();
    String offset = "-1";
    for (int polls = 0; times.size() < count && polls < 50; polls++) {
      String query = offset.equals("-1") ? "?offset=-1" : "?live=long-poll&offset=" + offset;
      try (Response response =
          http.newCall(
                  new Request.Builder().url(server.streamUrl(path + ".keyframes") + query).build())
              .execute()) {
        if (response.code() == 200) {
          for (JsonNode entry : JSON.readTree(response.body().bytes())) {
            // The initial keyframe has no time: its window holds the state before any change.
            JsonNode timestamp = entry.get("timestamp");
            if (timestamp != null) times.add(Instant.parse(timestamp.asText()));
          }
        }
        offset = response.header("Stream-Next-Offset");
      }
    }
    assertThat(times).hasSizeGreaterThanOrEqualTo(count);
    Instant last = times.get(times.size() - 1);
    return times.stream().filter(t -> t.isBefore(last)).distinct().toList();
  }

  private String headTail(String url) throws Exception {
    OkHttpClient http = server.http();
    try (Response response =
        http.newCall(new Request.Builder().url(url).head().build()).execute()) {
      return response.header("Stream-Next-Offset");
    }
  }
}
