package dev.rstream.android.sample;

import android.app.Application;
import dev.rstream.RStreamClient;
import dev.rstream.android.AndroidSqliteStore;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.Schedulers;

/**
 * Holds the process's one store and one client, which every activity shares. Both are made on first
 * use, off the main thread (opening the store reads its file), and live as long as the process.
 *
 * <p>Declared in the manifest as {@code <application android:name=".SampleApplication">}, with
 * {@code android.permission.INTERNET}.
 */
public final class SampleApplication extends Application {
  /** The stream the sample shows; an app reads it from its configuration. */
  static final String STREAM_URL = "http://10.0.2.2:4437/v1/stream/orders";

  private Single<RStreamClient> client;

  @Override
  public void onCreate() {
    super.onCreate();
    client =
        Single.fromCallable(
                () ->
                    RStreamClient.builder()
                        .streamUrl(STREAM_URL)
                        .store(AndroidSqliteStore.open(this))
                        .build())
            .subscribeOn(Schedulers.io())
            .cache();
  }

  /** The shared client, once it is built; emits on an I/O thread the first time. */
  Single<RStreamClient> client() {
    return client;
  }
}
