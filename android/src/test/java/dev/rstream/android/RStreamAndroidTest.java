package dev.rstream.android;

import static dev.rstream.LinkedStream.awaitLive;
import static dev.rstream.LinkedStream.fastRetry;
import static dev.rstream.LinkedStream.tenMinuteBackoff;
import static dev.rstream.LinkedStream.valuesThrough;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import android.app.Activity;
import android.app.Application;
import android.net.ConnectivityManager;
import android.net.Network;
import dev.rstream.LinkedStream;
import dev.rstream.Offset;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.RetryPolicy;
import dev.rstream.StateView;
import dev.rstream.testing.Await;
import dev.rstream.testing.NetworkLink;
import dev.rstream.testing.StubServerExtension;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.File;
import java.io.IOException;
import java.util.List;
import okhttp3.HttpUrl;
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
 * sockets ({@link LinkedStream}), with the client's live window in an {@link AndroidSqliteStore}.
 * Requests and connections are counted and their order checked; waits are on conditions, the linger
 * on a {@link TestScheduler}.
 */
@RunWith(RobolectricTestRunner.class)
public class RStreamAndroidTest {
  private final StubServerExtension server = StubServerExtension.inMemory();
  private final TestScheduler linger = new TestScheduler();
  private LinkedStream stream;
  private AndroidSqliteStore store;
  private RStreamClient reader;
  private RStreamAndroid.Binding binding;
  private Application app;
  private ShadowConnectivityManager network;
  private Network wifi;

  @Before
  public void setUp() throws IOException {
    stream = LinkedStream.create(server.start());
    app = RuntimeEnvironment.getApplication();
    store =
        AndroidSqliteStore.builder().file(new File(app.getFilesDir(), "rstream/app.db")).build();
    ConnectivityManager manager = app.getSystemService(ConnectivityManager.class);
    network = Shadows.shadowOf(manager);
    wifi = manager.getActiveNetwork();
    assertThat(wifi).isNotNull();
  }

  @After
  public void tearDown() {
    if (binding != null) binding.close();
    stream.close();
    store.close();
    server.close();
  }

  /** A reader over the link, retrying by {@code retry}, bound to the app by {@code options}. */
  private TestSubscriber<StateView> bindAndGoLive(RetryPolicy retry, RStreamAndroid.Builder options)
      throws InterruptedException {
    reader = stream.reader(store, retry);
    binding = options.scheduler(linger).bind(app, reader);
    TestSubscriber<StateView> live = reader.live().test();
    awaitLive(reader, Progress.Live.CONNECTED);
    live.awaitCount(1);
    return live;
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

  @Test
  public void networkLostStopsQuietlyAndItsReturnReconnectsWithoutWaitingOutTheBackoff()
      throws Exception {
    TestSubscriber<StateView> live =
        bindAndGoLive(tenMinuteBackoff(), RStreamAndroid.builder().liveInBackground(true));
    Offset first = stream.append(2);
    valuesThrough(live, first);

    stream.link().down(); // the read fails and waits ten minutes to retry...
    awaitLive(reader, Progress.Live.RECONNECTING);
    Await.until(() -> stream.timers().pending() > 0, "a retry waiting out its backoff");
    networkLost(wifi); // ...until Android says the network is gone
    awaitLive(reader, Progress.Live.OFFLINE);
    assertThat(binding.offline()).isTrue();
    Await.until(
        () -> !stream.http().liveReadOpen() && stream.timers().pending() == 0,
        "no call open, no retry pending");
    int sent = stream.http().sent();
    Offset more = stream.append(3);
    assertThat(stream.http().sent()).as("no request while offline").isEqualTo(sent);
    live.assertNoErrors().assertNotComplete();

    stream.link().up();
    networkAvailable(wifi);
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    List<HttpUrl> reads = stream.readsSince(sent);
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
    Offset first = stream.append(2);
    valuesThrough(live, first);
    NetworkLink link = stream.link();
    List<Integer> onWifi = link.openConnections();
    assertThat(onWifi).isNotEmpty();
    int opened = link.connectionsOpened();
    int sent = stream.http().sent();

    Network cellular = ShadowNetwork.newInstance(7);
    networkAvailable(cellular); // the default network is cellular now
    networkLost(wifi); // and Wi-Fi goes: not the default any more, not a loss

    Await.until(
        () -> onWifi.stream().noneMatch(link.openConnections()::contains),
        "the connections of the old network closed");
    Await.until(() -> link.connectionsOpened() > opened, "a connection on the new one");
    awaitLive(reader, Progress.Live.CONNECTED);
    assertThat(binding.offline()).isFalse();
    Offset more = stream.append(3);
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    List<HttpUrl> reads = stream.readsSince(sent);
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
    Offset first = stream.append(3);
    valuesThrough(live, first);
    stream.awaitStoredLive(store, first);

    // A rotation: stopped and started again within the linger; the connection stays.
    List<Integer> open = stream.link().openConnections();
    activity.pause().stop();
    linger.advanceTimeBy(4, SECONDS);
    activity.restart().resume(); // restart(): start() alone leaves the activity marked stopped
    linger.advanceTimeBy(1, MINUTES);
    assertThat(binding.background()).isFalse();
    assertThat(stream.link().openConnections()).containsAll(open);

    activity.pause().stop();
    linger.advanceTimeBy(4_999, MILLISECONDS);
    assertThat(binding.background()).as("still within the linger").isFalse();
    assertThat(stream.http().liveReadOpen()).isTrue();
    linger.advanceTimeBy(1, MILLISECONDS);
    assertThat(binding.background()).isTrue();
    awaitLive(reader, Progress.Live.IDLE);
    Await.until(
        () -> !stream.http().liveReadOpen() && stream.timers().pending() == 0,
        "no call open, nothing pending");
    int sent = stream.http().sent();
    Offset more = stream.append(4);
    assertThat(stream.http().sent()).as("no request in the background").isEqualTo(sent);

    activity.restart().resume(); // restart(): start() alone leaves the activity marked stopped
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    assertThat(stream.readsSince(sent).get(0).queryParameter("offset")).isEqualTo(first.value());
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
    Offset more = stream.append(2);
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    assertThat(reader.progress().blockingFirst().live()).isEqualTo(Progress.Live.CONNECTED);
    activity.destroy();
  }

  @Test
  public void closingTheBindingStopsListeningAndReleasesTheClient() throws Exception {
    TestSubscriber<StateView> live =
        bindAndGoLive(fastRetry(), RStreamAndroid.builder().liveInBackground(true));
    assertThat(network.getNetworkCallbacks()).hasSize(1);
    networkLost(wifi);
    awaitLive(reader, Progress.Live.OFFLINE);

    binding.close();
    assertThat(network.getNetworkCallbacks()).isEmpty();
    awaitLive(reader, Progress.Live.CONNECTED); // unbound, nothing would say the network is back
    Offset more = stream.append(2);
    assertThat(valuesThrough(live, more)).isEqualTo(stream.appendedValues());
    binding = null;
  }
}
