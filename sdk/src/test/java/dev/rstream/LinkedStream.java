package dev.rstream;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.testing.NetworkLink;
import dev.rstream.testing.PendingTimers;
import dev.rstream.testing.RecordingHttp;
import dev.rstream.testing.StubServerExtension;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import okhttp3.HttpUrl;

/**
 * A state stream on server-stub that a writer appends numbered changes to directly, and that
 * readers reach over a {@link NetworkLink} that goes down and comes back on real sockets, every
 * request they send recorded: the set-up of the tests of what a client does when the network or the
 * app's visibility changes, on the JVM and on Android (a JUnit 4 test under Robolectric uses it as
 * well as a JUnit 5 one). Readers retry on {@link #timers()}, so a test can tell that nothing is
 * scheduled to send.
 *
 * <p>{@link #close()} closes the readers it made, the writer and the link; the server is the
 * caller's.
 */
public final class LinkedStream implements Closeable {
  /** The stream's path on the server. */
  public static final String PATH = "shop/orders";

  private final String url;
  private final NetworkLink link;
  private final RecordingHttp http;
  private final PendingTimers timers = new PendingTimers();
  private final RStreamClient writer;
  private final List<RStreamClient> readers = new ArrayList<>();
  private int appended;

  private LinkedStream(String url, NetworkLink link, RecordingHttp http, RStreamClient writer) {
    this.url = url;
    this.link = link;
    this.http = http;
    this.writer = writer;
  }

  /** Creates the stream on {@code server} (no keyframe before 100,000 changes or an hour). */
  public static LinkedStream create(StubServerExtension server) throws IOException {
    return create(server, "changes=100000, interval=3600s");
  }

  /** Creates the stream on {@code server} with its keyframe policy, such as {@code changes=5}. */
  public static LinkedStream create(StubServerExtension server, String keyframes)
      throws IOException {
    String url = server.createStateStream(PATH, keyframes);
    NetworkLink link = NetworkLink.to("127.0.0.1", server.port());
    RStreamClient writer =
        RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build();
    return new LinkedStream(url, link, new RecordingHttp(server.newHttpClient()), writer);
  }

  /** The stream's URL on the server, as the writer reaches it. */
  public String url() {
    return url;
  }

  /** The stream's URL through the link, as readers reach it (and key it in their store). */
  public String linkedUrl() {
    return link.url(url);
  }

  /** The network between the readers and the server. */
  public NetworkLink link() {
    return link;
  }

  /** The readers' HTTP client, which records their requests. */
  public RecordingHttp http() {
    return http;
  }

  /** The readers' scheduler. */
  public PendingTimers timers() {
    return timers;
  }

  /** A reader over the link on {@code store}, retrying by {@code retry}; no live linger. */
  public RStreamClient reader(LocalStore store, RetryPolicy retry) {
    return reader(store, retry, UnaryOperator.identity());
  }

  /** {@link #reader(LocalStore, RetryPolicy)}, with {@code more} applied to its builder last. */
  public RStreamClient reader(
      LocalStore store, RetryPolicy retry, UnaryOperator<RStreamClient.Builder> more) {
    RStreamClient reader =
        more.apply(
                RStreamClient.builder()
                    .streamUrl(linkedUrl())
                    .okHttpClient(http.client())
                    .store(requireNonNull(store, "store == null"))
                    .scheduler(timers)
                    .liveLinger(0, SECONDS)
                    .retryPolicy(retry))
            .build();
    readers.add(reader);
    return reader;
  }

  /** Appends {@code n} numbered changes, one append each; returns the offset after the last. */
  public Offset append(int n) {
    Offset last = null;
    for (int i = 0; i < n; i++) {
      last =
          writer.append(ReferenceChanges.numbered(appended++)).timeout(10, SECONDS).blockingGet();
    }
    return requireNonNull(last, "n < 1");
  }

  /** Appends the next {@code count} numbered changes as one append; returns the offset after. */
  public Offset appendNext(int count) {
    List<Change> unit = new ArrayList<>();
    for (int i = 0; i < count; i++) unit.add(ReferenceChanges.numbered(appended++));
    return writer.append(unit).timeout(10, SECONDS).blockingGet();
  }

  /** How many changes were appended so far. */
  public int appended() {
    return appended;
  }

  /** The values of every change appended so far, in order. */
  public List<String> appendedValues() {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < appended; i++) values.add(ReferenceChanges.numbered(i).value());
    return values;
  }

  /** Reads of the stream (not of its index) sent since request number {@code from}. */
  public List<HttpUrl> readsSince(int from) {
    return http.sentSince(from, PATH);
  }

  /**
   * The values of the changes of every view {@code live} was shown, once one at or past {@code
   * through} arrived; fails after 10 s.
   */
  public static List<String> valuesThrough(TestSubscriber<StateView> live, Offset through)
      throws InterruptedException {
    List<String> values = new ArrayList<>();
    for (Change change : LiveViews.changesThrough(live, through)) values.add(change.value());
    return values;
  }

  /** Waits until {@code client}'s live connection is in {@code state}; fails after 10 s. */
  public static void awaitLive(RStreamClient client, Progress.Live state) {
    client
        .progress()
        .filter(p -> p.live() == state)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
  }

  /** Waits until {@code store}'s live window of this stream reaches {@code offset}. */
  public void awaitStoredLive(LocalStore store, Offset offset) throws InterruptedException {
    LiveViews.awaitStoredLive(store, linkedUrl(), offset);
  }

  /** Retries within milliseconds. */
  public static RetryPolicy fastRetry() {
    return RetryPolicy.builder().initialDelay(5, MILLISECONDS).maxDelay(20, MILLISECONDS).build();
  }

  /** Waits 10 minutes before each retry: a test that ends in time did not wait it out. */
  public static RetryPolicy tenMinuteBackoff() {
    return RetryPolicy.builder()
        .initialDelay(10, MINUTES)
        .maxDelay(10, MINUTES)
        .random(
            new Random() {
              @Override
              public double nextDouble() {
                return 0.999; // the full delay, never a jittered short one
              }
            })
        .build();
  }

  @Override
  public void close() {
    readers.forEach(RStreamClient::close);
    writer.close();
    link.close();
  }
}
