package dev.rstream.android;

import static java.util.Objects.requireNonNull;

import android.app.ActivityManager;
import android.app.Application;
import android.content.Context;
import android.net.ConnectivityManager;
import dev.rstream.Connectivity;
import dev.rstream.RStreamClient;
import dev.rstream.android.internal.AppVisibility;
import dev.rstream.android.internal.NetworkWatch;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.io.Closeable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Binds an {@link RStreamClient} to the app it runs in, so that its live connection follows the
 * device's network and the app's visibility. One call, best made in {@code Application.onCreate}:
 *
 * <pre>{@code
 * binding = RStreamAndroid.bind(this, client);
 * }</pre>
 *
 * <ul>
 *   <li><b>Network</b> ({@code ConnectivityManager.NetworkCallback} on the default network; needs
 *       {@code android.permission.ACCESS_NETWORK_STATE}): when the device loses it, the live
 *       connection stops, with no error to {@link RStreamClient#live()} subscribers and no request
 *       while offline, and {@link RStreamClient#progress()} says {@code OFFLINE}. When a network is
 *       available again, or the default network changes (Wi-Fi to cellular), the client reconnects
 *       at once on it, skipping any backoff wait, and drops the old socket even if it looks alive.
 *   <li><b>Background</b>: once no activity of the app has been started for the {@linkplain
 *       Builder#backgroundLinger linger} (5 s by default, so that a rotation or a quick switch
 *       keeps the connection), the live connection closes and the radio can sleep. When an activity
 *       starts again, live subscribers catch up from the last offset the client applied (what its
 *       store holds): no gap, no duplicate. A foreground service or an app that wants live data in
 *       the background opts out with {@link Builder#liveInBackground}.
 * </ul>
 *
 * <p>Both drive the client's {@link Connectivity}; see there for what each signal does.
 */
public final class RStreamAndroid {
  private RStreamAndroid() {}

  /**
   * Binds {@code client} to the app of {@code context} with the defaults: follows the network, and
   * closes the live connection 5 s after the app's last activity stopped. Returns at once.
   *
   * @throws SecurityException if the app lacks {@code ACCESS_NETWORK_STATE}.
   */
  public static Binding bind(Context context, RStreamClient client) {
    return builder().bind(context, client);
  }

  /** Options for {@link Builder#bind}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A client bound to its app; {@link #close()} unbinds it. Thread-safe. */
  public static final class Binding implements Closeable {
    private final NetworkWatch network;
    private final @Nullable AppVisibility visibility;

    Binding(NetworkWatch network, @Nullable AppVisibility visibility) {
      this.network = network;
      this.visibility = visibility;
    }

    /** Whether the device had no default network when the client was last told of it. */
    public boolean offline() {
      return network.offline();
    }

    /** Whether the app is in the background now by this binding's count (after the linger). */
    public boolean background() {
      AppVisibility v = visibility;
      return v != null && v.background();
    }

    /**
     * Stops listening to the network and the activities; a client this binding put in the
     * background or offline is released (its live connection opens again if it has subscribers).
     * Does not close the client. Idempotent.
     */
    @Override
    public void close() {
      AppVisibility v = visibility;
      if (v != null) v.stop();
      boolean offline = network.offline();
      network.stop();
      // Unbound, nothing would ever say the network is back: the client tries by itself again.
      if (offline) network.connectivity().networkAvailable();
    }
  }

  /** How a client is bound; checks each argument as it is set. Not thread-safe. */
  public static final class Builder {
    private long lingerMillis = 5_000;
    private boolean liveInBackground;
    private Scheduler scheduler = Schedulers.computation();

    Builder() {}

    /**
     * How long after the app's last activity stopped the live connection closes; 5 s by default, 0
     * for at once. An activity that starts within it keeps the connection open.
     */
    public Builder backgroundLinger(long linger, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (linger < 0) throw new IllegalArgumentException("linger < 0: " + linger);
      this.lingerMillis = unit.toMillis(linger);
      return this;
    }

    /**
     * Whether the live connection stays open while the app is in the background: for a foreground
     * service, or an app that wants live data there. False by default. The network is followed
     * either way.
     */
    public Builder liveInBackground(boolean liveInBackground) {
      this.liveInBackground = liveInBackground;
      return this;
    }

    /** Where the linger is timed; {@link Schedulers#computation()} by default. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler == null");
      return this;
    }

    /**
     * Binds {@code client} to the app of {@code context} (its application context is kept, never an
     * activity). Returns at once.
     *
     * @throws SecurityException if the app lacks {@code ACCESS_NETWORK_STATE}.
     * @throws IllegalArgumentException if the context has no {@link Application} or no {@link
     *     ConnectivityManager}.
     */
    public Binding bind(Context context, RStreamClient client) {
      requireNonNull(context, "context == null");
      requireNonNull(client, "client == null");
      Context app = context.getApplicationContext();
      if (!(app instanceof Application)) {
        throw new IllegalArgumentException("no Application behind " + context);
      }
      ConnectivityManager manager = app.getSystemService(ConnectivityManager.class);
      if (manager == null) throw new IllegalArgumentException("no ConnectivityManager");
      Connectivity connectivity = client.connectivity();
      NetworkWatch network = new NetworkWatch(manager, connectivity);
      network.start();
      AppVisibility visibility = null;
      if (!liveInBackground) {
        visibility = new AppVisibility((Application) app, connectivity, scheduler, lingerMillis);
        visibility.start(visibleNow());
      }
      return new Binding(network, visibility);
    }

    /** Whether the app's process shows an activity now (bound after one started). */
    private static boolean visibleNow() {
      ActivityManager.RunningAppProcessInfo info = new ActivityManager.RunningAppProcessInfo();
      ActivityManager.getMyMemoryState(info);
      return info.importance == ActivityManager.RunningAppProcessInfo.IMPORTANCE_FOREGROUND
          || info.importance == ActivityManager.RunningAppProcessInfo.IMPORTANCE_VISIBLE;
    }
  }
}
