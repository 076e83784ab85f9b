package dev.rstream.benchmarks.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rstream.Change;
import dev.rstream.LiveTransport;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.benchmarks.e2e.TrafficCounter;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.testing.Nginx;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A thousand devices, each its own {@link RStreamClient} with its own {@link OkHttpClient}, read
 * the same ten past windows, then follow the stream live by long-poll, through nginx ({@code
 * deploy/nginx/rstream-cache.conf}) or, with {@code --direct}, straight at the origin. Prints what
 * the devices asked for and what reached the origin: requests, bytes, origin CPU, time to first
 * state, live delivery latency.
 *
 * <p>Run from the repository root (it finds the nginx config there), after {@code mvn -B -o -q -pl
 * benchmarks package -DskipTests}: {@code java -Xmx4g -cp benchmarks/target/benchmarks.jar
 * dev.rstream.benchmarks.cache.CacheScaleOut [--clients N] [--direct]}. The origin is {@link
 * CacheOrigin} in a child JVM, so its CPU time is its own.
 */
public final class CacheScaleOut {
  private static final int WINDOWS = 10;
  private static final int CHANGES_PER_WINDOW = 200;
  private static final int MAX_READ_BYTES = 64 * 1024;
  private static final int LONG_POLL_SECONDS = 5;
  private static final int LIVE_APPENDS = 10;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String NOTE = "x".repeat(120);

  private CacheScaleOut() {}

  /**
   * Counts the requests and wire body bytes a device's OkHttp sends and receives; unlike {@link
   * TrafficCounter}, keeps no list of the requests (a thousand devices share it).
   */
  static final class Traffic implements Interceptor {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();

    @Override
    public Response intercept(Chain chain) throws IOException {
      requests.incrementAndGet();
      // A network interceptor sees the body before OkHttp un-gzips it: these are wire bytes.
      return TrafficCounter.countingBody(chain.proceed(chain.request()), bytes);
    }
  }

  public static void main(String[] args) throws Exception {
    int clients = 1000;
    boolean direct = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--direct" -> direct = true;
        default ->
            throw new IllegalArgumentException("usage: [--clients N] [--direct], got " + args[i]);
      }
    }
    Nginx.config(); // fail early when not run from the repository
    int originPort = Nginx.freePort();
    Process origin =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                CacheOrigin.class.getName(),
                Integer.toString(originPort),
                Integer.toString(MAX_READ_BYTES),
                Integer.toString(LONG_POLL_SECONDS))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader originOut =
        new BufferedReader(new InputStreamReader(origin.getInputStream(), StandardCharsets.UTF_8));
    String ready = originOut.readLine();
    if (ready == null || !ready.startsWith("listening"))
      throw new IOException("origin did not start: " + ready);
    String originUrl = "http://127.0.0.1:" + originPort;
    Nginx nginx = null;
    try {
      OkHttpClient plain = new OkHttpClient();
      String path = "fleet/orders";
      String streamAtOrigin = originUrl + "/v1/stream/" + path;
      RStreamClient writer =
          RStreamClient.builder().streamUrl(streamAtOrigin).okHttpClient(plain).build();
      List<Instant> past = populate(plain, writer, streamAtOrigin);
      if (!direct) nginx = Nginx.start(originPort);
      String base = direct ? originUrl : nginx.url();
      run(clients, direct, origin, nginx, writer, base + "/v1/stream/" + path, past);
      writer.close();
      plain.dispatcher().executorService().shutdown();
      plain.connectionPool().evictAll();
    } finally {
      if (nginx != null) nginx.close();
      origin.getOutputStream().close();
      if (!origin.waitFor(20, TimeUnit.SECONDS)) origin.destroyForcibly();
    }
    System.exit(0); // Rx and OkHttp pools would keep the JVM up for their idle timeouts
  }

  /**
   * The stream: WINDOWS committed windows and a live one; returns a time in each committed window.
   */
  private static List<Instant> populate(OkHttpClient http, RStreamClient writer, String url)
      throws IOException {
    DurableStream.builder()
        .url(url)
        .okHttpClient(http)
        .build()
        .create(
            CreateOptions.builder()
                .contentType("application/json")
                .header("Rstream-Keyframes", "changes=" + CHANGES_PER_WINDOW + ", interval=3600s")
                .build())
        .timeout(10, TimeUnit.SECONDS)
        .blockingGet();
    int total = CHANGES_PER_WINDOW * WINDOWS + CHANGES_PER_WINDOW / 2;
    for (int n = 0; n < total; n += 50) {
      List<Change> batch = new ArrayList<>();
      for (int i = n; i < Math.min(total, n + 50); i++) {
        batch.add(
            Change.update(
                "order", "o" + (i % 100), "{\"qty\":" + i + ",\"note\":\"" + NOTE + "\"}"));
      }
      writer.append(batch).timeout(10, TimeUnit.SECONDS).blockingGet();
    }
    List<Instant> keyframes = new ArrayList<>();
    String offset = "-1";
    for (int polls = 0; keyframes.size() < WINDOWS + 1 && polls < 100; polls++) {
      String query = offset.equals("-1") ? "?offset=-1" : "?live=long-poll&offset=" + offset;
      try (Response response =
          http.newCall(new Request.Builder().url(url + ".keyframes" + query).build()).execute()) {
        if (response.code() == 200) {
          for (JsonNode entry : JSON.readTree(response.body().bytes())) {
            keyframes.add(Instant.parse(entry.get("timestamp").asText()));
          }
        }
        offset = response.header("Stream-Next-Offset");
      }
    }
    if (keyframes.size() < WINDOWS + 1)
      throw new IOException("only " + keyframes.size() + " keyframes written");
    return keyframes.subList(0, WINDOWS);
  }

  private static void run(
      int clientCount,
      boolean direct,
      Process origin,
      Nginx nginx,
      RStreamClient writer,
      String url,
      List<Instant> past)
      throws Exception {
    Traffic traffic = new Traffic();
    List<OkHttpClient> https = new ArrayList<>();
    List<RStreamClient> devices = new ArrayList<>();
    for (int i = 0; i < clientCount; i++) {
      OkHttpClient http = new OkHttpClient.Builder().addNetworkInterceptor(traffic).build();
      https.add(http);
      devices.add(
          RStreamClient.builder()
              .streamUrl(url)
              .okHttpClient(http)
              .liveTransport(LiveTransport.LONG_POLL)
              .liveLinger(0, TimeUnit.SECONDS)
              .build());
    }
    Duration cpuBefore = cpu(origin);

    // Past windows: every device asks for all ten, all devices at once.
    long[] firstState = new long[clientCount];
    long start = System.nanoTime();
    Flowable.range(0, clientCount)
        .flatMapSingle(
            i ->
                Flowable.fromIterable(past)
                    .concatMapSingle(
                        time ->
                            devices
                                .get(i)
                                .window(time)
                                .lastOrError()
                                .doOnSuccess(
                                    view -> {
                                      if (firstState[i] == 0)
                                        firstState[i] = System.nanoTime() - start;
                                    }))
                    .toList(),
            false,
            clientCount)
        .ignoreElements()
        .timeout(5, TimeUnit.MINUTES)
        .blockingAwait();
    long windowsMillis = (System.nanoTime() - start) / 1_000_000;
    long windowRequests = traffic.requests.get();
    long windowBytes = traffic.bytes.get();
    List<Nginx.Hit> windowHits = nginx == null ? List.of() : nginx.hits();
    Duration cpuWindows = cpu(origin).minus(cpuBefore);

    // Live: all devices follow by long-poll; LIVE_APPENDS appends, then two quiet long-poll
    // periods.
    List<Disposable> live = new ArrayList<>();
    for (RStreamClient device : devices)
      live.add(device.live().subscribe(view -> {}, Throwable::printStackTrace));
    Offset caughtUp =
        writer.append(List.of(Change.update("order", "live", "{\"n\":0}"))).blockingGet();
    awaitAll(devices, caughtUp, new long[clientCount], 0, System.nanoTime());
    long liveRequestsBefore = traffic.requests.get();
    long liveBytesBefore = traffic.bytes.get();
    int liveHitsBefore = nginx == null ? 0 : nginx.hits().size();
    Duration cpuLiveBefore = cpu(origin);
    long[] delivery = new long[clientCount * LIVE_APPENDS];
    for (int a = 0; a < LIVE_APPENDS; a++) {
      long appendedAt = System.nanoTime();
      Offset written =
          writer
              .append(List.of(Change.update("order", "live", "{\"n\":" + (a + 1) + "}")))
              .timeout(10, TimeUnit.SECONDS)
              .blockingGet();
      awaitAll(devices, written, delivery, a * clientCount, appendedAt);
    }
    // A benchmark may wait out wall time: the quiet periods are what is measured.
    Thread.sleep(TimeUnit.SECONDS.toMillis(2L * LONG_POLL_SECONDS + 1));
    live.forEach(Disposable::dispose);
    long liveRequests = traffic.requests.get() - liveRequestsBefore;
    long liveBytes = traffic.bytes.get() - liveBytesBefore;
    Duration cpuLive = cpu(origin).minus(cpuLiveBefore);
    List<Nginx.Hit> all = nginx == null ? List.of() : nginx.hits();
    List<Nginx.Hit> liveHits =
        all.subList(liveHitsBefore, all.size()).stream().filter(Nginx.Hit::live).toList();

    System.out.printf(
        Locale.ROOT,
        "%n# CacheScaleOut: %d devices, %s%n",
        clientCount,
        direct ? "straight at the origin (no cache)" : "through nginx " + nginx.prefix());
    System.out.printf(
        Locale.ROOT,
        "windows: %d past windows x %d devices in %d ms%n",
        past.size(),
        clientCount,
        windowsMillis);
    long windowOrigin =
        direct ? windowRequests : windowHits.stream().filter(Nginx.Hit::origin).count();
    long windowOriginBytes =
        direct ? windowBytes : windowHits.stream().mapToLong(Nginx.Hit::originBytes).sum();
    long catchUpUris =
        windowHits.stream().filter(Nginx.Hit::origin).map(Nginx.Hit::uri).distinct().count();
    System.out.printf(
        Locale.ROOT, "  device requests %d, wire bytes %d%n", windowRequests, windowBytes);
    System.out.printf(
        Locale.ROOT,
        "  origin requests %d (%s distinct URIs), origin bytes %d%n",
        windowOrigin,
        direct ? "n/a" : Long.toString(catchUpUris),
        windowOriginBytes);
    System.out.printf(
        Locale.ROOT, "  origin requests per window %.2f%n", windowOrigin / (double) past.size());
    System.out.printf(Locale.ROOT, "  origin CPU %d ms%n", cpuWindows.toMillis());
    printPercentiles("time to first state", firstState);
    long liveOrigin = direct ? liveRequests : liveHits.stream().filter(Nginx.Hit::origin).count();
    long liveOrigin200 = liveHits.stream().filter(h -> h.origin() && h.status() == 200).count();
    long liveOrigin204 = liveHits.stream().filter(h -> h.origin() && h.status() == 204).count();
    long device204 = liveHits.stream().filter(h -> h.status() == 204).count();
    System.out.printf(
        Locale.ROOT,
        "live: %d appends then %d s quiet (long-poll timeout %d s)%n",
        LIVE_APPENDS,
        2 * LONG_POLL_SECONDS + 1,
        LONG_POLL_SECONDS);
    System.out.printf(
        Locale.ROOT, "  device long-polls %d, wire bytes %d%n", liveRequests, liveBytes);
    if (direct) {
      System.out.printf(Locale.ROOT, "  origin long-polls %d%n", liveOrigin);
    } else {
      System.out.printf(
          Locale.ROOT,
          "  origin long-polls %d (%d answered 200 with data, %d timed out 204; devices got %d 204s)%n",
          liveOrigin,
          liveOrigin200,
          liveOrigin204,
          device204);
    }
    // A live interval: one append delivered, or one long-poll period without data.
    int intervals = LIVE_APPENDS + 2;
    System.out.printf(
        Locale.ROOT,
        "  origin long-polls per live interval %.2f (%d intervals)%n",
        liveOrigin / (double) intervals,
        intervals);
    System.out.printf(Locale.ROOT, "  origin CPU %d ms%n", cpuLive.toMillis());
    printPercentiles("append to device", delivery);

    devices.forEach(RStreamClient::close);
    for (OkHttpClient http : https) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * Waits until every device reached {@code offset}; records each one's latency from {@code since}.
   */
  private static void awaitAll(
      List<RStreamClient> devices, Offset offset, long[] latencies, int from, long since) {
    List<Completable> waits = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      int slot = from + i;
      waits.add(
          devices
              .get(i)
              .awaitOffset(offset)
              .doOnComplete(() -> latencies[slot] = System.nanoTime() - since));
    }
    Completable.merge(waits).timeout(60, TimeUnit.SECONDS).blockingAwait();
  }

  private static Duration cpu(Process process) {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** Prints {@code what}'s p50, p99 and max of {@code nanos}, in milliseconds. */
  private static void printPercentiles(String what, long[] nanos) {
    System.out.printf(
        Locale.ROOT,
        "  %s p50 %d ms, p99 %d ms, max %d ms%n",
        what,
        percentile(nanos, 50) / 1_000_000,
        percentile(nanos, 99) / 1_000_000,
        percentile(nanos, 100) / 1_000_000);
  }

  private static long percentile(long[] values, int percentile) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
