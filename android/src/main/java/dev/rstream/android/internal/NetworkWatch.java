package dev.rstream.android.internal;

import android.net.ConnectivityManager;
import android.net.Network;
import dev.rstream.Connectivity;
import org.jspecify.annotations.Nullable;

/**
 * Follows the device's default network and tells a client's {@link Connectivity}: lost, available
 * again, or replaced by another (a phone moving from Wi-Fi to cellular), which reconnects on the
 * new one.
 *
 * <p>The system calls back on its own thread; {@link Connectivity} is told under this object's
 * lock, in the order of the callbacks, and returns at once. Registering calls {@link #onAvailable}
 * at once for the default network there is then, which is the one the client already uses: it is
 * not a change.
 */
public final class NetworkWatch extends ConnectivityManager.NetworkCallback {
  private final ConnectivityManager manager;
  private final Connectivity connectivity;
  // The default network the client was last told of; null while it has none. Guarded by this.
  private @Nullable Network current;
  private boolean registered;

  public NetworkWatch(ConnectivityManager manager, Connectivity connectivity) {
    this.manager = manager;
    this.connectivity = connectivity;
  }

  /**
   * Starts listening to the default network; with none now, the client goes offline at once.
   *
   * @throws SecurityException if the app lacks {@code ACCESS_NETWORK_STATE}.
   */
  public void start() {
    Network active = manager.getActiveNetwork();
    synchronized (this) {
      current = active;
    }
    if (active == null) connectivity.networkLost();
    try {
      manager.registerDefaultNetworkCallback(this);
    } catch (SecurityException e) {
      throw new SecurityException(
          "rstream-android follows the network: the app must declare"
              + " <uses-permission android:name=\"android.permission.ACCESS_NETWORK_STATE\"/>",
          e);
    }
    synchronized (this) {
      registered = true;
    }
  }

  /** Stops listening. Idempotent. */
  public void stop() {
    synchronized (this) {
      if (!registered) return;
      registered = false;
    }
    manager.unregisterNetworkCallback(this);
  }

  /** The client's connectivity this watch tells. */
  public Connectivity connectivity() {
    return connectivity;
  }

  /** Whether the client was last told the device has no network. */
  public synchronized boolean offline() {
    return current == null;
  }

  @Override
  public synchronized void onAvailable(Network network) {
    if (network.equals(current)) return; // the one the client uses already
    current = network;
    connectivity.networkAvailable(); // back online, or a new default network: reconnect on it
  }

  @Override
  public synchronized void onLost(Network network) {
    // A network that is not the default any more (one replaced it) is not a loss.
    if (!network.equals(current)) return;
    current = null;
    connectivity.networkLost();
  }
}
