package dev.rstream.android.internal;

import android.app.Activity;
import android.app.Application;
import android.os.Bundle;
import dev.rstream.Connectivity;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Tells a client's {@link Connectivity} when the app goes to the background: once no activity of
 * the app has been started for the linger, and back to the foreground as soon as one starts.
 *
 * <p>The platform's {@link Application.ActivityLifecycleCallbacks}, not androidx's {@code
 * ProcessLifecycleOwner}: that one is built on these same callbacks, but comes as an {@code .aar}
 * with its own startup initializer for the app to reconcile, and fixes its delay (700 ms) where the
 * linger here is the app's to choose. Started activities are counted by identity: a configuration
 * change (rotation) stops one and starts its successor within the linger, which therefore does not
 * close the connection.
 *
 * <p>Lifecycle callbacks arrive on the main thread, the linger fires on the scheduler: both tell
 * {@link Connectivity} under this object's lock, so that a late background never overtakes the
 * foreground that followed it. {@link Connectivity} returns at once.
 */
public final class AppVisibility implements Application.ActivityLifecycleCallbacks {
  private final Application application;
  private final Connectivity connectivity;
  private final Scheduler scheduler;
  private final long lingerMillis;
  // Guarded by this.
  private final Set<Activity> started = Collections.newSetFromMap(new IdentityHashMap<>());
  private @Nullable Disposable linger;
  private boolean background;
  private boolean registered;

  public AppVisibility(
      Application application, Connectivity connectivity, Scheduler scheduler, long lingerMillis) {
    this.application = application;
    this.connectivity = connectivity;
    this.scheduler = scheduler;
    this.lingerMillis = lingerMillis;
  }

  /**
   * Starts following the activities. {@code visible}: whether an activity of the app is started now
   * (one bound from an activity's {@code onCreate} starts right after, so this may be false there);
   * if not, the app goes to the background after the linger unless one starts.
   */
  public synchronized void start(boolean visible) {
    application.registerActivityLifecycleCallbacks(this);
    registered = true;
    if (!visible) scheduleBackground();
  }

  /** Stops following the activities; a client it put in the background comes back. Idempotent. */
  public void stop() {
    synchronized (this) {
      if (!registered) return;
      registered = false;
      cancelLinger();
      if (background) connectivity.foreground();
      background = false;
    }
    application.unregisterActivityLifecycleCallbacks(this);
  }

  /** Whether the client was put in the background. */
  public synchronized boolean background() {
    return background;
  }

  @Override
  public synchronized void onActivityStarted(Activity activity) {
    if (!registered) return;
    started.add(activity);
    cancelLinger();
    if (background) connectivity.foreground();
    background = false;
  }

  @Override
  public synchronized void onActivityStopped(Activity activity) {
    if (!registered) return;
    started.remove(activity);
    if (started.isEmpty() && !background) scheduleBackground();
  }

  // Guarded by this.
  private void scheduleBackground() {
    cancelLinger();
    linger = scheduler.scheduleDirect(this::lingerEnded, lingerMillis, TimeUnit.MILLISECONDS);
  }

  private synchronized void lingerEnded() {
    if (!registered || !started.isEmpty() || background) return;
    background = true;
    linger = null;
    connectivity.background();
  }

  // Guarded by this.
  private void cancelLinger() {
    Disposable pending = linger;
    linger = null;
    if (pending != null) pending.dispose();
  }

  @Override
  public void onActivityCreated(Activity activity, @Nullable Bundle savedInstanceState) {}

  @Override
  public void onActivityResumed(Activity activity) {}

  @Override
  public void onActivityPaused(Activity activity) {}

  @Override
  public void onActivitySaveInstanceState(Activity activity, Bundle outState) {}

  @Override
  public void onActivityDestroyed(Activity activity) {}
}
