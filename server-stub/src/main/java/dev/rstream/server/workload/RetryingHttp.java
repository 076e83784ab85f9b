package dev.rstream.server.workload;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the workload's requests, and sends them again while the server is unreachable or answers
 * 429 or 5xx: a server that restarts (as the demo's does) or sheds load is waited for, with a
 * backoff from 100 ms doubling to 2 s, or the server's {@code Retry-After} when that is longer.
 * Each outage is logged in one line when it begins.
 *
 * <p>Retrying is safe for the requests the workload makes: PUT and GET are idempotent, and its
 * POSTs carry idempotent-producer headers.
 *
 * <p>Threading: one request at a time, on the calling thread; waits through the {@link Pacer}.
 */
final class RetryingHttp {
  private static final Logger log = LoggerFactory.getLogger(Workload.class);
  private static final Duration FIRST_DELAY = Duration.ofMillis(100);
  private static final Duration MAX_DELAY = Duration.ofSeconds(2);

  private final HttpClient client;
  private final Duration retryFor;
  private final Pacer pacer;

  RetryingHttp(HttpClient client, Duration retryFor, Pacer pacer) {
    this.client = requireNonNull(client, "client == null");
    this.retryFor = requireNonNull(retryFor, "retryFor == null");
    this.pacer = requireNonNull(pacer, "pacer == null");
  }

  /**
   * Sends {@code request} until it gets an answer other than 429 or 5xx, for up to {@code retryFor}
   * from its first failure. Returns that answer, or the last 429 or 5xx when time is up.
   *
   * @throws IOException when the last attempt got no answer at all (its cause is the last error)
   */
  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    String what = request.method() + " " + request.uri();
    long failingSince = 0;
    boolean failing = false;
    Duration delay = FIRST_DELAY;
    while (true) {
      HttpResponse<String> response = null;
      IOException error = null;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        error = e;
      }
      if (response != null && !retryable(response.statusCode())) {
        if (failing) log.info("{}: the server answers again", what);
        return response;
      }
      long now = pacer.nanoTime();
      String why = response != null ? "HTTP " + response.statusCode() : String.valueOf(error);
      if (!failing) {
        failing = true;
        failingSince = now;
        // One line per outage, not a stack trace per attempt: a restart is expected.
        log.warn("{} failed ({}); retrying for up to {}", what, why, describe(retryFor));
      }
      if (now - failingSince >= retryFor.toNanos()) {
        if (response != null) return response;
        throw new IOException(what + " failed for " + describe(retryFor) + ": " + why, error);
      }
      Duration wait = delay;
      if (response != null) wait = max(wait, retryAfter(response));
      pacer.sleepUntil(now + wait.toNanos());
      delay = delay.multipliedBy(2);
      if (delay.compareTo(MAX_DELAY) > 0) delay = MAX_DELAY;
    }
  }

  private static boolean retryable(int status) {
    return status == 429 || status / 100 == 5;
  }

  /** The answer's {@code Retry-After} in seconds, or zero. */
  private static Duration retryAfter(HttpResponse<String> response) {
    @Nullable String value = response.headers().firstValue("Retry-After").orElse(null);
    if (value == null) return Duration.ZERO;
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      return Duration.ZERO; // an HTTP date: the backoff will do
    }
  }

  /** {@code 250 ms}, {@code 60 s}: for messages. */
  private static String describe(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
