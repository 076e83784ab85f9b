package dev.rstream;

import dev.rstream.internal.live.LiveCursor;
import dev.rstream.internal.live.LiveHold;
import io.reactivex.rxjava3.subjects.CompletableSubject;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * What the platform knows and the client cannot see: whether the device has a network, and whether
 * the app is in the foreground. Each call moves the one live connection of its {@link
 * RStreamClient}; {@link RStreamClient#live()} subscribers stay subscribed throughout and see no
 * error, and what they see next continues what they saw: no gap, no duplicate.
 *
 * <p>Platform-neutral: on Android, {@code RStreamAndroid.bind} calls it from the system's network
 * callbacks and the activity lifecycle; a desktop or server app may call it from its own signals.
 * Obtained from {@link RStreamClient#connectivity()}. Thread-safe; every method returns at once
 * (the connection opens on the client's scheduler) and is idempotent; once the client is closed
 * they do nothing. Independent of {@link RStreamClient#pause()}: the connection is open only while
 * none of pause, no network and background holds it closed.
 */
public final class Connectivity {
  private final LiveCursor cursor;
  private final @Nullable OkHttpClient http;
  private final CompletableSubject closed;
  private final Runnable online;

  Connectivity(
      LiveCursor cursor, @Nullable OkHttpClient http, CompletableSubject closed, Runnable online) {
    this.cursor = cursor;
    this.http = http;
    this.closed = closed;
    this.online = online;
  }

  /**
   * The device has no network: the live connection closes and no request is sent until {@link
   * #networkAvailable()}; {@link RStreamClient#progress()} says {@link Progress.Live#OFFLINE}.
   * Subscribers get no error, and the backoff of a read that was failing stops with it.
   */
  public void networkLost() {
    if (closed.hasComplete()) return;
    cursor.hold(LiveHold.OFFLINE);
  }

  /**
   * A network is available: a new one, or the default network changed. The live connection opens at
   * once on it, skipping any backoff wait, and catches up from the last offset applied. A
   * connection still open is dropped even if it looks alive: bound to the old network, it may be
   * dead without knowing it. Idle pooled connections of the client's {@link OkHttpClient} are
   * evicted for the same reason (the app's own client included, which it may share: its idle
   * connections are as stale). An outbox waiting out a backoff sends at once too.
   */
  public void networkAvailable() {
    if (closed.hasComplete()) return;
    if (http != null) http.connectionPool().evictAll();
    cursor.reconnectNow(); // a connection that is open now; nothing while offline
    cursor.release(LiveHold.OFFLINE); // the connection that no network held closed
    online.run();
  }

  /**
   * The app went to the background (and wants no live data there): the live connection closes, so
   * that it keeps neither a socket nor the radio busy; progress says {@link Progress.Live#IDLE}.
   * Committed windows are still answered.
   */
  public void background() {
    if (closed.hasComplete()) return;
    cursor.hold(LiveHold.BACKGROUND);
  }

  /**
   * The app is in the foreground again: the live connection opens at once, and subscribers catch up
   * from where the last complete batch ended (what the local store holds).
   */
  public void foreground() {
    if (closed.hasComplete()) return;
    cursor.release(LiveHold.BACKGROUND);
  }
}
