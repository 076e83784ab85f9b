package dev.rstream.android;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import android.app.Activity;
import android.app.Application;
import android.net.ConnectivityManager;
import android.net.Network;
import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.RetryPolicy;
import dev.rstream.StateView;
import dev.rstream.server.StubServer;
import dev.rstream.testing.NetworkLink;
import dev.rstream.testing.PendingTimers;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.Robolectric;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.Shadows;
import org.robolectric.android.controller.ActivityController;
import org.robolectric.shadows.ShadowConnectivityManager;
import org.robolectric.shadows.ShadowNetwork;

/**
 * A client bound with {@link RStreamAndroid} on Android's own classes: {@code ConnectivityManager}
 * callbacks (driven through Robolectric's shadow) and activities started and stopped, against a
 * real server-stub reached through a {@link NetworkLink} that goes down and comes back on real
 * sockets, with the client's live window in an {@link AndroidSqliteStore}. Requests and connections
 * are counted and their order checked; waits are on conditions, the linger on a {@link
 * TestScheduler}.
 */
@RunWith(RobolectricTestRunner.class)
public class RStreamAndroidTest {
  private static final MediaType JSON = MediaType.get("application/json");

  private final PendingTimers timers = new PendingTimers();
  private final TestScheduler linger = new TestScheduler();
  private final Set<Call> openLive = ConcurrentHashMap.newKeySet();

  /** Every request the reader sent, in order. */
  private final List<HttpUrl> requests = new CopyOnWriteArrayList<>();

  private final List<RStreamClient> clients = new ArrayList<>();
  private StubServer server;
  private NetworkLink link;
  private OkHttpClient writerHttp;
  private OkHttpClient http;
  private AndroidSqliteStore store;
  private String url;
  private RStreamClient writer;
  private RStreamClient reader;
  private RStreamAndroid.Binding binding;
  private Application app;
  private ShadowConnectivityManager network;
  private Network wifi;
  private int appended;

  @Before
  public void setUp() throws IOException {
    server = StubServer.builder().build().start();
    url = server.streamUrl("shop/orders");
    writerHttp = new OkHttpClient();
    Request create =
        new Request.Builder()
            .url(url)
            .header("Rstream-Keyframes", "changes=100000, interval=3600s")
            .put(RequestBody.create(new byte[0], JSON))
            .build();
    try (Response response = writerHttp.newCall(create).execute()) {
      assertThat(response.code()).isIn(200, 201);
    }
    link = NetworkLink.to("127.0.0.1", server.port());
    http =
        new OkHttpClient.Builder()
            .addInterceptor(
                chain -> {
                  if (!chain.call().isCanceled()) requests.add(chain.request().url());
                  return chain.proceed(chain.request());
                })
            .eventListener(new LiveCalls(openLive))
            .build();
    app = RuntimeEnvironment.getApplication();
    store =
        AndroidSqliteStore.builder().file(new File(app.getFilesDir(), "rstream/app.db")).build();
    writer = RStreamClient.builder().streamUrl(url).okHttpClient(writerHttp).build();
    clients.add(writer);
    ConnectivityManager manager = app.getSystemService(ConnectivityManager.class);
    network = Shadows.shadowOf(manager);
    wifi = manager.getActiveNetwork();
    assertThat(wifi).isNotNull();
  }

  @After
  public void tearDown() {
    if (binding != null) binding.close();
    clients.forEach(RStreamClient::close);
    store.close();
    link.close();
    server.close();
    for (OkHttpClient client : List.of(http, writerHttp)) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  /** A reader over the link, retrying by {@code retry}, bound to the app by {@code options}. */
  private TestSubscriber<StateView> bindAndGoLive(RetryPolicy retry, RStreamAndroid.Builder options)
      throws InterruptedException {
    reader =
        RStreamClient.builder()
            .streamUrl(link.url(url))
            .okHttpClient(http)
            .store(store)
            .scheduler(timers)
            .liveLinger(0, SECONDS)
            .retryPolicy(retry)
            .build();
    clients.add(reader);
    binding = options.scheduler(linger).bind(app, reader);
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(Progress.Live.CONNECTED);
    live.awaitCount(1);
    return live;
  }

  /** Waits 10 minutes before each retry: a test that ends in time did not wait it out. */
  private static RetryPolicy tenMinuteBackoff() {
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

  private static RetryPolicy fastRetry() {
    return RetryPolicy.builder().initialDelay(5, MILLISECONDS).maxDelay(20, MILLISECONDS).build();
  }

  private void networkLost(Network lost) {
    for (ConnectivityManager.NetworkCallback callback : network.getNetworkCallbacks()) {
      callback.onLost(lost);
    }
  }

  private void networkAvailable(Network available) {
    for (ConnectivityManager.NetworkCallback callback : network.getNetworkCallbacks()) {
      callback.onAvailable(available);
    }
  }

  private static Change numbered(int i) {
    return Change.update("order", "o" + (i % 5), "{\"n\":" + i + "}");
  }

  private Offset append(int n) {
    Offset last = null;
    for (int i = 0; i < n; i++) {
      last = writer.append(numbered(appended++)).timeout(10, SECONDS).blockingGet();
    }
    return last;
  }

  private List<String> appendedValues() {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < appended; i++) values.add(numbered(i).value());
    return values;
  }

  /** The values of the changes of every view, once one at or past {@code offset} arrived. */
  private static List<String> seenValues(TestSubscriber<StateView> live, Offset offset)
      throws InterruptedException {
    await(
        () -> {
          List<StateView> views = live.values();
          return !views.isEmpty() && views.get(views.size() - 1).offset().compareTo(offset) >= 0;
        },
        "a view at " + offset);
    List<String> values = new ArrayList<>();
    List<StateView> views = live.values();
    for (int i = 0, n = views.size(); i < n; i++) {
      for (Change change : views.get(i).changes()) values.add(change.value());
    }
    return values;
  }

  private void awaitLive(Progress.Live state) {
    reader
        .progress()
        .filter(p -> p.live() == state)
        .firstOrError()
        .timeout(10, SECONDS)
        .blockingGet();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s: " + what);
      Thread.sleep(5); // polls a condition with a deadline
    }
  }

  /** Reads of the stream (not of its index) sent since request {@code from}. */
  private List<HttpUrl> readsSince(int from) {
    List<HttpUrl> reads = new ArrayList<>();
    for (HttpUrl r : requests.subList(from, requests.size())) {
      if (r.encodedPath().endsWith("shop/orders")) reads.add(r);
    }
    return reads;
  }

  @Test
  public void networkLostStopsQuietlyAndItsReturnReconnectsWithoutWaitingOutTheBackoff()
      throws Exception {
    TestSubscriber<StateView> live =
        bindAndGoLive(tenMinuteBackoff(), RStreamAndroid.builder().liveInBackground(true));
    Offset first = append(2);
    seenValues(live, first);

    link.down(); // the read fails and waits ten minutes to retry...
    awaitLive(Progress.Live.RECONNECTING);
    await(() -> timers.pending() > 0, "a retry waiting out its backoff");
    networkLost(wifi); // ...until Android says the network is gone
    awaitLive(Progress.Live.OFFLINE);
    assertThat(binding.offline()).isTrue();
    await(() -> openLive.isEmpty() && timers.pending() == 0, "no call open, no retry pending");
    int sent = requests.size();
    Offset more = append(3);
    assertThat(requests).as("no request while offline").hasSize(sent);
    live.assertNoErrors().assertNotComplete();

    link.up();
    networkAvailable(wifi);
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    List<HttpUrl> reads = readsSince(sent);
    assertThat(reads).isNotEmpty();
    assertThat(reads.get(0).queryParameter("offset")).isEqualTo(first.value());
    assertThat(binding.offline()).isFalse();
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  public void aNewDefaultNetworkClosesTheOldConnectionAndOpensOneWithoutADuplicate()
      throws Exception {
    TestSubscriber<StateView> live =
        bindAndGoLive(fastRetry(), RStreamAndroid.builder().liveInBackground(true));
    Offset first = append(2);
    seenValues(live, first);
    List<Integer> onWifi = link.openConnections();
    assertThat(onWifi).isNotEmpty();
    int opened = link.connectionsOpened();
    int sent = requests.size();

    Network cellular = ShadowNetwork.newInstance(7);
    networkAvailable(cellular); // the default network is cellular now
    networkLost(wifi); // and Wi-Fi goes: not the default any more, not a loss

    await(
        () -> onWifi.stream().noneMatch(link.openConnections()::contains),
        "the connections of the old network closed");
    await(() -> link.connectionsOpened() > opened, "a connection on the new one");
    awaitLive(Progress.Live.CONNECTED);
    assertThat(binding.offline()).isFalse();
    Offset more = append(3);
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    List<HttpUrl> reads = readsSince(sent);
    assertThat(reads.get(0).queryParameter("offset")).isEqualTo(first.value());
    assertThat(reader.progress().blockingFirst().live()).isEqualTo(Progress.Live.CONNECTED);
    live.assertNoErrors().assertNotComplete();
  }

  @Test
  public void backgroundClosesAfterTheLingerAndForegroundCatchesUpFromTheStoredOffset()
      throws Exception {
    ActivityController<Activity> activity = Robolectric.buildActivity(Activity.class).setup();
    TestSubscriber<StateView> live =
        bindAndGoLive(fastRetry(), RStreamAndroid.builder().backgroundLinger(5, SECONDS));
    Offset first = append(3);
    seenValues(live, first);
    awaitStoredLive(first);

    // A rotation: stopped and started again within the linger; the connection stays.
    List<Integer> open = link.openConnections();
    activity.pause().stop();
    linger.advanceTimeBy(4, SECONDS);
    activity.restart().resume(); // restart(): start() alone leaves the activity marked stopped
    linger.advanceTimeBy(1, MINUTES);
    assertThat(binding.background()).isFalse();
    assertThat(link.openConnections()).containsAll(open);

    activity.pause().stop();
    linger.advanceTimeBy(4_999, MILLISECONDS);
    assertThat(binding.background()).as("still within the linger").isFalse();
    assertThat(openLive).isNotEmpty();
    linger.advanceTimeBy(1, MILLISECONDS);
    assertThat(binding.background()).isTrue();
    awaitLive(Progress.Live.IDLE);
    await(() -> openLive.isEmpty() && timers.pending() == 0, "no call open, nothing pending");
    int sent = requests.size();
    Offset more = append(4);
    assertThat(requests).as("no request in the background").hasSize(sent);

    activity.restart().resume(); // restart(): start() alone leaves the activity marked stopped
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    assertThat(readsSince(sent).get(0).queryParameter("offset")).isEqualTo(first.value());
    live.assertNoErrors().assertNotComplete();
    activity.pause().stop().destroy();
  }

  @Test
  public void liveInBackgroundKeepsTheConnectionForAForegroundService() throws Exception {
    ActivityController<Activity> activity = Robolectric.buildActivity(Activity.class).setup();
    TestSubscriber<StateView> live =
        bindAndGoLive(fastRetry(), RStreamAndroid.builder().liveInBackground(true));
    activity.pause().stop();
    linger.advanceTimeBy(10, MINUTES);
    assertThat(binding.background()).isFalse();
    Offset more = append(2);
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    assertThat(reader.progress().blockingFirst().live()).isEqualTo(Progress.Live.CONNECTED);
    activity.destroy();
  }

  @Test
  public void closingTheBindingStopsListeningAndReleasesTheClient() throws Exception {
    TestSubscriber<StateView> live =
        bindAndGoLive(fastRetry(), RStreamAndroid.builder().liveInBackground(true));
    assertThat(network.getNetworkCallbacks()).hasSize(1);
    networkLost(wifi);
    awaitLive(Progress.Live.OFFLINE);

    binding.close();
    assertThat(network.getNetworkCallbacks()).isEmpty();
    awaitLive(Progress.Live.CONNECTED); // unbound, nothing would say the network is back
    Offset more = append(2);
    assertThat(seenValues(live, more)).isEqualTo(appendedValues());
    binding = null;
  }

  private void awaitStoredLive(Offset offset) throws InterruptedException {
    await(
        () -> {
          dev.rstream.LocalStore.StoredWindow stored = store.liveWindow(link.url(url));
          if (stored == null || stored.changes().isEmpty()) return false;
          List<Change> changes = stored.changes();
          return changes.get(changes.size() - 1).offset().compareTo(offset) >= 0;
        },
        "the store's live window at " + offset);
  }

  /** Tracks the live calls open now. */
  static final class LiveCalls extends EventListener {
    private final Set<Call> open;

    LiveCalls(Set<Call> open) {
      this.open = open;
    }

    @Override
    public void callStart(Call call) {
      if (call.request().url().queryParameter("live") != null) open.add(call);
    }

    @Override
    public void callEnd(Call call) {
      open.remove(call);
    }

    @Override
    public void callFailed(Call call, IOException ioe) {
      open.remove(call);
    }

    @Override
    public void canceled(Call call) {
      open.remove(call);
    }
  }
}
