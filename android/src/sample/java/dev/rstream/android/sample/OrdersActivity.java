package dev.rstream.android.sample;

import android.app.Activity;
import android.os.Bundle;
import android.view.View;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.TextView;
import dev.rstream.Change;
import dev.rstream.Progress;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import io.reactivex.rxjava3.android.schedulers.AndroidSchedulers;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One screen of the sample: an order book as it was at a past time ({@link #EXTRA_PAST}, an hour
 * ago by default), the same book live, a button that appends a change, and an offline badge (shown
 * while the binding of {@link SampleApplication} says the network is gone, or the connection
 * retries).
 *
 * <p>The threading pattern: rstream emits on its I/O scheduler; every chain ends in {@code
 * observeOn(AndroidSchedulers.mainThread())} just before {@code subscribe}, so views are touched on
 * the main thread only, and nothing blocks it. Subscriptions start in {@link #onStart()} and are
 * disposed in {@link #onStop()}: a rotation comes back within the client's live linger and keeps
 * the connection; a backgrounded app lets it close, and the next {@code live()} resumes from the
 * stored offset.
 */
public final class OrdersActivity extends Activity {
  /**
   * An intent extra: the time of the past state to show, as ISO-8601 ({@code
   * 2026-12-06T09:00:00Z}); an hour ago by default.
   */
  public static final String EXTRA_PAST = "dev.rstream.sample.PAST";

  private final CompositeDisposable started = new CompositeDisposable();
  // Package-private for the sample's test, which reads what they show.
  TextView past;
  TextView live;
  TextView offline;
  TextView written;
  Button pay;

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    LinearLayout layout = new LinearLayout(this);
    layout.setOrientation(LinearLayout.VERTICAL);
    offline = text(layout, "offline");
    offline.setVisibility(View.GONE);
    past = text(layout, "then: …");
    live = text(layout, "now: …");
    written = text(layout, "");
    pay = new Button(this);
    pay.setText("mark o-17 paid");
    pay.setOnClickListener(view -> appendPaid());
    layout.addView(pay);
    setContentView(layout);
  }

  @Override
  protected void onStart() {
    super.onStart();
    Single<RStreamClient> client = ((SampleApplication) getApplication()).client();

    // A past state: window(time) emits the state at that time, then completes.
    String at = getIntent().getStringExtra(EXTRA_PAST);
    Instant then = at != null ? Instant.parse(at) : Instant.now().minus(Duration.ofHours(1));
    started.add(
        client
            .flatMap(c -> c.window(then).lastOrError())
            .observeOn(AndroidSchedulers.mainThread())
            .subscribe(
                view -> past.setText("then: " + render(view)),
                error -> past.setText("then: " + error.getMessage())));

    // The live state: the stored state at once (fromStore), then a state per append.
    started.add(
        client
            .flatMapPublisher(RStreamClient::live)
            .observeOn(AndroidSchedulers.mainThread())
            .subscribe(
                view -> live.setText((view.fromStore() ? "stored: " : "now: ") + render(view)),
                error -> live.setText("live failed: " + error.getMessage())));

    // The offline badge: shown while offline or retrying; redrawn at most 4 times a second.
    started.add(
        client
            .flatMapPublisher(RStreamClient::progress)
            .throttleLatest(250, TimeUnit.MILLISECONDS)
            .observeOn(AndroidSchedulers.mainThread())
            .subscribe(
                progress -> offline.setVisibility(isOffline(progress) ? View.VISIBLE : View.GONE),
                error -> offline.setVisibility(View.VISIBLE)));
  }

  @Override
  protected void onStop() {
    started.clear();
    super.onStop();
  }

  /** An append: the offset it was written at, shown when the server acknowledged it. */
  private void appendPaid() {
    started.add(
        ((SampleApplication) getApplication())
            .client()
            .flatMap(c -> c.append(Change.update("order", "o-17", "{\"status\":\"paid\"}")))
            .observeOn(AndroidSchedulers.mainThread())
            .subscribe(
                offset -> written.setText("written at " + offset),
                error -> written.setText("not written: " + error.getMessage())));
  }

  /** The device has no network, or the live connection or a read is retrying. */
  static boolean isOffline(Progress progress) {
    return progress.live() == Progress.Live.OFFLINE
        || progress.live() == Progress.Live.RECONNECTING
        || progress.retryAttempt() > 0;
  }

  private static String render(StateView view) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> order : view.entities("order").entrySet()) {
      out.append('\n').append(order.getKey()).append(": ").append(order.getValue());
    }
    return out.length() == 0 ? "no orders" : out.toString();
  }

  private TextView text(LinearLayout layout, String initial) {
    TextView view = new TextView(this);
    view.setText(initial);
    layout.addView(view);
    return view;
  }
}
