package dev.rstream.android.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.robolectric.Shadows.shadowOf;

import android.app.Application;
import android.content.Intent;
import android.net.ConnectivityManager;
import android.net.Network;
import android.os.Bundle;
import android.os.Looper;
import android.view.View;
import android.widget.TextView;
import dev.rstream.Change;
import dev.rstream.RStreamClient;
import dev.rstream.testing.Await;
import dev.rstream.testing.StubServerExtension;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.Robolectric;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.android.controller.ActivityController;
import org.robolectric.annotation.Config;
import org.robolectric.shadows.ShadowConnectivityManager;

/**
 * The sample app on Android's own classes under Robolectric, against a real server-stub: its {@link
 * SampleApplication} opens the store, builds the client and binds it to the app, and {@link
 * OrdersActivity} shows a past state, the live state, an append and the offline badge. The test
 * reads what the screen shows, running the main thread's queue as it waits.
 */
@RunWith(RobolectricTestRunner.class)
@Config(application = SampleApplication.class)
public class OrdersActivityTest {
  private static final String OPEN = "o-17: {\"status\":\"open\"}";
  private static final String PAID = "o-17: {\"status\":\"paid\"}";

  private final StubServerExtension server = StubServerExtension.inMemory();
  private Application app;
  private RStreamClient writer;
  private ActivityController<OrdersActivity> controller;

  @Before
  public void setUp() throws IOException {
    server.start();
    String url = server.createStateStream("orders", "changes=100000, interval=3600s");
    writer = RStreamClient.builder().streamUrl(url).okHttpClient(server.http()).build();
    app = RuntimeEnvironment.getApplication();
    // The manifest's meta-data, as an app declares it: the stream the sample shows.
    Bundle meta = new Bundle();
    meta.putString(SampleApplication.STREAM_URL, url);
    shadowOf(app.getPackageManager())
            .getInternalMutablePackageInfo(app.getPackageName())
            .applicationInfo
            .metaData =
        meta;
  }

  @After
  public void tearDown() {
    if (controller != null) controller.pause().stop().destroy();
    app.onTerminate(); // closes the binding, the client and the store
    writer.close();
    server.close();
  }

  /** Appends o-17 as open; returns a time after it and before anything appended later. */
  private Instant appendOpen() throws InterruptedException {
    writer
        .append(Change.update("order", "o-17", "{\"status\":\"open\"}"))
        .timeout(10, TimeUnit.SECONDS)
        .blockingGet();
    Instant after = Instant.now();
    // Later appends are stamped after this instant: wait for the clock to pass it.
    Await.until(() -> Instant.now().toEpochMilli() > after.toEpochMilli(), "the clock ticks");
    return after;
  }

  private OrdersActivity start(Instant past) {
    Intent intent =
        new Intent(app, OrdersActivity.class).putExtra(OrdersActivity.EXTRA_PAST, past.toString());
    controller = Robolectric.buildActivity(OrdersActivity.class, intent).setup();
    return controller.get();
  }

  /** Runs the main thread's queue until {@code view} shows what {@code shown} accepts. */
  private static void awaitShown(TextView view, Predicate<String> shown, String what)
      throws InterruptedException {
    Await.until(
        () -> {
          shadowOf(Looper.getMainLooper()).idle();
          return shown.test(view.getText().toString());
        },
        what + " (shows \"" + view.getText() + "\")");
  }

  private static void awaitVisibility(View view, int visibility, String what)
      throws InterruptedException {
    Await.until(
        () -> {
          shadowOf(Looper.getMainLooper()).idle();
          return view.getVisibility() == visibility;
        },
        what);
  }

  private void forEachNetworkCallback(
      java.util.function.Consumer<ConnectivityManager.NetworkCallback> call) {
    ShadowConnectivityManager network = shadowOf(app.getSystemService(ConnectivityManager.class));
    assertThat(network.getNetworkCallbacks()).as("the app bound its client").isNotEmpty();
    network.getNetworkCallbacks().forEach(call);
  }

  @Test
  public void showsThePastStateTheLiveStateAndAnAppend() throws Exception {
    Instant past = appendOpen();
    OrdersActivity activity = start(past);

    awaitShown(activity.past, text -> text.contains(OPEN), "the state at " + past);
    awaitShown(activity.live, text -> text.contains(OPEN), "the live state");
    assertThat(activity.offline.getVisibility()).isEqualTo(View.GONE);

    activity.pay.performClick();
    awaitShown(activity.written, text -> text.startsWith("written at "), "the append's offset");
    awaitShown(activity.live, text -> text.contains(PAID), "the append, live");
    assertThat(activity.live.getText().toString()).doesNotContain(OPEN);
    assertThat(activity.past.getText().toString()).as("the past stays past").contains(OPEN);
  }

  @Test
  public void showsTheOfflineBadgeWhileTheNetworkIsGone() throws Exception {
    Instant past = appendOpen();
    OrdersActivity activity = start(past);
    awaitShown(activity.live, text -> text.contains(OPEN), "the live state");
    assertThat(activity.offline.getVisibility()).isEqualTo(View.GONE);
    Network wifi = app.getSystemService(ConnectivityManager.class).getActiveNetwork();

    forEachNetworkCallback(callback -> callback.onLost(wifi));
    awaitVisibility(activity.offline, View.VISIBLE, "the offline badge shown");

    forEachNetworkCallback(callback -> callback.onAvailable(wifi));
    awaitVisibility(activity.offline, View.GONE, "the offline badge gone");
    writer
        .append(Change.update("order", "o-17", "{\"status\":\"paid\"}"))
        .timeout(10, TimeUnit.SECONDS)
        .blockingGet();
    awaitShown(activity.live, text -> text.contains(PAID), "a change after the network came back");
  }
}
