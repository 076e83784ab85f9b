package dev.rstream.android.sample;

import android.app.Application;
import android.content.pm.ApplicationInfo;
import android.content.pm.PackageManager;
import android.os.Bundle;
import dev.rstream.RStreamClient;
import dev.rstream.android.AndroidSqliteStore;
import dev.rstream.android.RStreamAndroid;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.Schedulers;

/**
 * Holds the process's one store and one client, which every activity shares, and binds the client
 * to the app with {@link RStreamAndroid#bind}: the live connection follows the network and closes
 * when no activity has been started for a few seconds. All of it is made on first use, off the main
 * thread (opening the store reads its file), and lives as long as the process.
 *
 * <p>Declared in the manifest as {@code <application android:name=".SampleApplication">}, with
 * {@code android.permission.INTERNET} and {@code android.permission.ACCESS_NETWORK_STATE} (which
 * the binding needs), and the stream's URL as {@code <meta-data android:name=
 * "dev.rstream.sample.STREAM_URL" android:value="https://…"/>}.
 */
public final class SampleApplication extends Application {
  /** The manifest meta-data that names the stream the sample shows. */
  static final String STREAM_URL = "dev.rstream.sample.STREAM_URL";

  /** The stream when the manifest names none: server-stub on the emulator's host. */
  static final String DEFAULT_STREAM_URL = "http://10.0.2.2:4437/v1/stream/orders";

  private Single<Started> started;
  private volatile Started created; // null until started

  /** What the application started: closed together. */
  private static final class Started {
    final AndroidSqliteStore store;
    final RStreamClient client;
    final RStreamAndroid.Binding binding;

    Started(AndroidSqliteStore store, RStreamClient client, RStreamAndroid.Binding binding) {
      this.store = store;
      this.client = client;
      this.binding = binding;
    }
  }

  @Override
  public void onCreate() {
    super.onCreate();
    started =
        Single.fromCallable(
                () -> {
                  AndroidSqliteStore store = AndroidSqliteStore.open(this);
                  RStreamClient client =
                      RStreamClient.builder().streamUrl(streamUrl()).store(store).build();
                  created = new Started(store, client, RStreamAndroid.bind(this, client));
                  return created;
                })
            .subscribeOn(Schedulers.io())
            .cache();
  }

  /** The shared client, once it is built and bound; emits on an I/O thread the first time. */
  Single<RStreamClient> client() {
    return started.map(s -> s.client);
  }

  private String streamUrl() throws PackageManager.NameNotFoundException {
    ApplicationInfo info =
        getPackageManager().getApplicationInfo(getPackageName(), PackageManager.GET_META_DATA);
    Bundle meta = info.metaData;
    String url = meta == null ? null : meta.getString(STREAM_URL);
    return url == null ? DEFAULT_STREAM_URL : url;
  }

  /**
   * Releases the binding, the client and the store. A device kills the process instead; emulated
   * processes (tests) end here.
   */
  @Override
  public void onTerminate() {
    Started s = created;
    if (s != null) {
      s.binding.close();
      s.client.close();
      s.store.close();
    }
    super.onTerminate();
  }
}
