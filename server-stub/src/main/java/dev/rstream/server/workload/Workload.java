package dev.rstream.server.workload;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.server.state.Rfc3339;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a demo order book to a state stream: creates the stream (PUT with {@code
 * Rstream-Keyframes}), then POSTs one State Protocol change at a time at a steady rate.
 *
 * <p>Timestamps: with a {@linkplain Builder#simulatedClock simulated clock} change {@code i} is
 * stamped {@code start + i × step}, so a demo writes hours of history in seconds; without one the
 * changes carry no timestamp and the server stamps its receive time. Either way they never
 * decrease. The simulated clock starts, unless told otherwise, when the stream has been created; a
 * new state stream also takes an earlier start (back-filled history, docs/PROTOCOL.md 3.1). Writing
 * to an existing stream with a simulated clock needs a start not before the stream's last
 * timestamp.
 *
 * <p>An existing stream is continued, not restarted: the workload first reads the stream's changes
 * so that its order book starts from the stream's state, and then only inserts keys that do not
 * exist and only updates or deletes keys that do.
 *
 * <p>Failures: a server that is down, restarting or overloaded (a failed connection, 429 or 5xx) is
 * retried with a backoff from 100 ms to 2 s (or the server's {@code Retry-After}) for up to {@link
 * Builder#retryFor}, logging one line per outage. Appends carry the idempotent producer headers
 * ({@code Producer-Id} new for each run, epoch 0, one sequence number per change), so a retried
 * change that had been appended before its answer was lost is not appended twice. Any other refusal
 * (a 4xx) ends the run at once.
 *
 * <p>Pacing: change {@code i} is sent at {@code i / rate} seconds after the first; a slow server
 * makes the workload fall behind and then catch up, keeping the average rate.
 *
 * <p>Threading: {@link #run} blocks the calling thread until every change is acknowledged (or one
 * fails); a {@code Workload} runs once at a time. Interrupting the thread stops it.
 */
public final class Workload {
  private static final Logger log = LoggerFactory.getLogger(Workload.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI streamUrl;
  private final long seed;
  private final double rate;
  private final long count;
  private final @Nullable Instant clockStart;
  private final @Nullable Duration clockStep;
  private final @Nullable String keyframePolicy;
  private final RetryingHttp http;
  private final Pacer pacer;

  private Workload(Builder b) {
    this.streamUrl = requireNonNull(b.streamUrl, "streamUrl == null");
    this.seed = b.seed;
    this.rate = b.rate;
    this.count =
        b.duration != null
            ? Math.max(1, Math.round(b.rate * b.duration.toMillis() / 1000.0))
            : b.count;
    this.clockStart = b.clockStart;
    this.clockStep = b.clockStep;
    this.keyframePolicy = b.keyframePolicy;
    HttpClient client =
        b.client != null
            ? b.client
            : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.pacer = b.pacer;
    this.http = new RetryingHttp(client, b.retryFor, b.pacer);
  }

  /** Returns a builder; {@link Builder#streamUrl} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The stream written to. */
  public URI streamUrl() {
    return streamUrl;
  }

  /** How many changes {@link #run} writes. */
  public long count() {
    return count;
  }

  /**
   * Creates the stream (an existing one with the same configuration is fine; its changes are read
   * first, see the class comment) and writes {@link #count} changes. Returns the number written.
   *
   * @throws IOException when the server refuses a request (the message has its status and body), or
   *     stays unreachable or overloaded for {@link Builder#retryFor}; changes acknowledged before
   *     stay written
   * @throws InterruptedException when the thread is interrupted; stops after the current change
   */
  public long run() throws IOException, InterruptedException {
    boolean existed = create();
    Instant clockStart = this.clockStart;
    if (clockStart == null && clockStep != null) clockStart = Instant.now();
    OrderBook book = new OrderBook(seed);
    if (existed) {
      long changes = StreamChangesReader.read(http, streamUrl, book);
      log.info("{}: continuing the stream's state after {} changes", streamUrl, changes);
    }
    String producerId = "workload-" + UUID.randomUUID();
    double nanosPerChange = 1e9 / rate;
    long start = pacer.nanoTime();
    for (long i = 0; i < count; i++) {
      pacer.sleepUntil(start + (long) (i * nanosPerChange));
      Instant timestamp =
          clockStart == null ? null : clockStart.plus(requireNonNull(clockStep).multipliedBy(i));
      post(message(book.next(), timestamp), producerId, i);
      if ((i + 1) % 1000 == 0) log.info("{}: {} changes written", streamUrl, i + 1);
    }
    return count;
  }

  /** Creates the stream; true when it existed already. */
  private boolean create() throws IOException, InterruptedException {
    HttpRequest.Builder put =
        HttpRequest.newBuilder(streamUrl)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.noBody());
    if (keyframePolicy != null) put.header("Rstream-Keyframes", keyframePolicy);
    HttpResponse<String> response = http.send(put.build());
    if (response.statusCode() != 200 && response.statusCode() != 201) {
      throw failure(streamUrl, response);
    }
    return response.statusCode() == 200;
  }

  private void post(String body, String producerId, long seq)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(streamUrl)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Producer-Id", producerId)
            .header("Producer-Epoch", "0")
            .header("Producer-Seq", Long.toString(seq))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request);
    // 204: a retry of a change the server had appended already.
    if (response.statusCode() / 100 != 2) throw failure(streamUrl, response);
  }

  /** The error for a request to {@code streamUrl} that the server refused. */
  static IOException failure(URI streamUrl, HttpResponse<String> response) {
    return new IOException(
        response.request().method()
            + " "
            + streamUrl
            + " failed: HTTP "
            + response.statusCode()
            + " "
            + response.body());
  }

  private String message(OrderBook.Change change, @Nullable Instant timestamp) throws IOException {
    ObjectNode m = JSON.createObjectNode();
    m.put("type", change.type());
    m.put("key", change.key());
    if (change.value() != null) m.set("value", change.value());
    ObjectNode headers = m.putObject("headers");
    headers.put("operation", change.operation());
    if (timestamp != null) headers.put("timestamp", Rfc3339.formatMillis(timestamp));
    return JSON.writeValueAsString(m);
  }

  /** Runs a workload from the command line: see {@link WorkloadCommandLine} for the options. */
  public static void main(String[] args) throws Exception {
    WorkloadCommandLine.run(args);
  }

  static Duration nonNegative(Duration d) {
    if (d.isNegative()) throw new IllegalArgumentException("step < 0");
    return d;
  }

  /** Configures a {@link Workload}. Arguments are checked as they are set. */
  public static final class Builder {
    private @Nullable URI streamUrl;
    private long seed = 1;
    private double rate = 10;
    private long count = 1000;
    private @Nullable Duration duration;
    private @Nullable Instant clockStart;
    private @Nullable Duration clockStep;
    private @Nullable String keyframePolicy = "changes=1000, interval=60s";
    private Duration retryFor = Duration.ofSeconds(60);
    private @Nullable HttpClient client;
    private Pacer pacer = Pacer.SYSTEM;

    private Builder() {}

    /** The stream's URL, e.g. {@code http://127.0.0.1:4437/v1/stream/demo/orders}. Required. */
    public Builder streamUrl(URI streamUrl) {
      this.streamUrl = requireNonNull(streamUrl, "streamUrl == null");
      return this;
    }

    /** Seed of the order book: equal seeds write equal changes. Default 1. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Changes per second, more than 0. Default 10. */
    public Builder rate(double changesPerSecond) {
      if (!(changesPerSecond > 0) || Double.isInfinite(changesPerSecond)) {
        throw new IllegalArgumentException("rate must be > 0: " + changesPerSecond);
      }
      this.rate = changesPerSecond;
      return this;
    }

    /** How many changes to write, at least 1. Default 1000. Replaces a duration. */
    public Builder count(long count) {
      if (count < 1) throw new IllegalArgumentException("count < 1");
      this.count = count;
      this.duration = null;
      return this;
    }

    /** How long to write for (rate × duration changes). Replaces a count. */
    public Builder duration(Duration duration) {
      requireNonNull(duration, "duration == null");
      if (duration.isNegative() || duration.isZero())
        throw new IllegalArgumentException("duration <= 0");
      this.duration = duration;
      return this;
    }

    /**
     * Stamps change {@code i} with {@code start + i × step} instead of leaving the time to the
     * server. {@code step} may be zero, not negative (timestamps never decrease).
     */
    public Builder simulatedClock(Instant start, Duration step) {
      requireNonNull(start, "start == null");
      requireNonNull(step, "step == null");
      this.clockStep = nonNegative(step);
      this.clockStart = start;
      return this;
    }

    /**
     * Like {@link #simulatedClock(Instant, Duration)}, starting at the local time at which the
     * stream has been created (so that no change is older than the stream's first keyframe).
     */
    public Builder simulatedClock(Duration step) {
      requireNonNull(step, "step == null");
      this.clockStep = nonNegative(step);
      this.clockStart = null;
      return this;
    }

    /**
     * The {@code Rstream-Keyframes} header to create the stream with; null sends none (then the
     * stream is a plain stream on server-stub). Default {@code changes=1000, interval=60s}.
     */
    public Builder keyframePolicy(@Nullable String keyframePolicy) {
      this.keyframePolicy = keyframePolicy;
      return this;
    }

    /**
     * How long a request is retried while the server is unreachable or answers 429 or 5xx, from its
     * first failure; zero tries once. Default 60 s, time enough for a server to restart.
     */
    public Builder retryFor(Duration retryFor) {
      requireNonNull(retryFor, "retryFor == null");
      if (retryFor.isNegative()) throw new IllegalArgumentException("retryFor < 0");
      this.retryFor = retryFor;
      return this;
    }

    /** The HTTP client; default a new one with a 10 s connect timeout. */
    public Builder httpClient(HttpClient client) {
      this.client = requireNonNull(client, "client == null");
      return this;
    }

    Builder pacer(Pacer pacer) {
      this.pacer = requireNonNull(pacer, "pacer == null");
      return this;
    }

    /** Builds the workload; {@link Workload#run} writes it. */
    public Workload build() {
      requireNonNull(streamUrl, "streamUrl == null");
      return new Workload(this);
    }
  }
}
