package dev.rstream.examples.cli;

import dev.rstream.RStreamClient;
import dev.rstream.RetryPolicy;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.StreamInfo;
import io.reactivex.rxjava3.core.Single;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The stream a subcommand works on and how long it may wait for the server: the URL parameter and
 * the {@code --timeout} option, shared by every subcommand as a picocli mixin.
 */
final class StreamTarget {
  @Mixin StreamUrl url = new StreamUrl();

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = TimeArgument.DurationConverter.class,
      description = "How long to wait for the server before giving up (default: ${DEFAULT-VALUE}).")
  Duration timeout = Duration.ofSeconds(10);

  /**
   * Checks the URL and opens a connection to the stream; nothing is sent yet. The caller closes it.
   *
   * @throws CliFailure with {@link ExitCode#BAD_URL} if the URL is not an http(s) URL.
   */
  Connection connect() {
    return new Connection(HttpUrl.get(url.checked()), timeout);
  }

  /**
   * The HTTP client, stream handle and rstream client of one command run. Every wait is bounded by
   * the timeout: the SDK retries transient failures without end by default, which suits an app but
   * not a command that must report a server that is down.
   */
  static final class Connection implements AutoCloseable {
    private final HttpUrl url;
    private final Duration timeout;
    private final OkHttpClient http;
    private final FailureClock failures = new FailureClock();
    private final DurableStream stream;
    private @Nullable RStreamClient client;

    private Connection(HttpUrl url, Duration timeout) {
      this.url = url;
      this.timeout = timeout;
      this.http =
          new OkHttpClient.Builder()
              .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .addInterceptor(failures)
              .build();
      RetryPolicy retries =
          RetryPolicy.builder()
              .maxRetries(3)
              .initialDelay(100, TimeUnit.MILLISECONDS)
              .maxDelay(1, TimeUnit.SECONDS)
              .maxElapsed(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .build();
      this.stream =
          DurableStream.builder().url(url).okHttpClient(http).retryPolicy(retries).build();
    }

    /** The stream's URL. */
    String url() {
      return url.toString();
    }

    /** The raw stream, with retries bounded by the timeout. */
    DurableStream stream() {
      return stream;
    }

    /** A handle on another stream of the same server, with the same bounds (the keyframe index). */
    DurableStream companion(String suffix) {
      return stream.newBuilder().url(url + suffix).build();
    }

    /**
     * Fails fast, with the SDK's typed exception, if the server is down or the stream does not
     * exist: the rstream client would retry the first and hide neither behind a long wait.
     */
    StreamInfo requireStream() {
      return await(stream.head());
    }

    /** The rstream client of the stream, created on first use; closed with this connection. */
    synchronized RStreamClient client() {
      if (client == null) {
        client =
            RStreamClient.builder()
                .streamUrl(url.toString())
                .okHttpClient(http)
                .liveLinger(0, TimeUnit.MILLISECONDS)
                .build();
      }
      return client;
    }

    /**
     * The value of {@code single}, waiting at most the timeout.
     *
     * @throws CliFailure with {@link ExitCode#UNAVAILABLE} if no answer came in time; the SDK's own
     *     exceptions pass through.
     */
    <T> T await(Single<T> single) {
      try {
        return single.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).blockingGet();
      } catch (RuntimeException e) {
        if (e.getCause() instanceof TimeoutException) {
          throw new CliFailure(
              ExitCode.UNAVAILABLE, "no answer from " + url + " within " + describe(timeout), e);
        }
        throw e;
      }
    }

    /**
     * For how long every request to the server has failed (network error, 429 or 5xx), in
     * milliseconds; 0 while the last one succeeded. The rstream client retries its live read inside
     * the transport without end and says nothing of it, so this is how a command that follows the
     * stream learns that the server has gone.
     */
    long failingForMillis() {
      return failures.failingForMillis();
    }

    /** The timeout, for messages. */
    Duration timeout() {
      return timeout;
    }

    static String describe(Duration duration) {
      long ms = duration.toMillis();
      return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** Times runs of failed requests: an interceptor sees every attempt, retries included. */
    private static final class FailureClock implements Interceptor {
      private final AtomicLong failingSinceNanos = new AtomicLong(-1);

      @Override
      public Response intercept(Chain chain) throws java.io.IOException {
        Response response;
        try {
          response = chain.proceed(chain.request());
        } catch (java.io.IOException e) {
          failed();
          throw e;
        }
        if (response.code() == 429 || response.code() >= 500) failed();
        else failingSinceNanos.set(-1);
        return response;
      }

      private void failed() {
        failingSinceNanos.compareAndSet(-1, System.nanoTime());
      }

      long failingForMillis() {
        long since = failingSinceNanos.get();
        return since == -1 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
      }
    }

    /** Closes the rstream client, then releases the HTTP client's threads and connections. */
    @Override
    public void close() {
      RStreamClient c;
      synchronized (this) {
        c = client;
      }
      if (c != null) c.close();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
