package dev.rstream.examples.readme;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.RStreamEventListener;
import dev.rstream.SqliteStore;
import dev.rstream.StateView;
import dev.rstream.WindowInfo;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * The README's Java snippets, compiled. Each region between {@code // README:name} and
 * {@code // README:end} must appear verbatim (less its indentation) in a java block of README.md;
 * {@link ReadmeSnippetsTest} checks that.
 */
@SuppressWarnings("unused")
final class ReadmeSnippets {
  /** An app's value class, as typed access maps it. */
  public static final class Order {
    public String customer;
    public String item;
    public int quantity;
    public double price;
    public String status;
  }

  private final Scheduler mainThread = Schedulers.single();

  private void render(Map<String, String> orders) {}

  private void log(List<WindowInfo> windows) {}

  private void showOrder(Order order) {}

  private void log(String line) {}

  /** An app's metrics. */
  interface Metrics {
    void bytesIn(long bytes);
  }

  private Metrics metrics;

  private void showDeleted() {}

  private void updateRows(Map<String, String> orders, Set<String> changed) {}

  private final File filesDir = new File(System.getProperty("java.io.tmpdir"));
  private final String url = "http://127.0.0.1:4437/v1/stream/orders";

  /** An app's sign-in session: a cached access token, renewed with its refresh token. */
  interface Session {
    String token();

    String renew(String refused) throws IOException;
  }

  private Session session;

  void authentication() {
    // README:authentication
    RStreamClient client = RStreamClient.builder()
        .streamUrl(url)
        // null: the token to send now (keep it cached); else the server refused that one: renew it
        .authToken(refused -> refused == null ? session.token() : session.renew(refused))
        .build();
    // README:end
  }

  void offline() {
    // README:offline
    SqliteStore store = SqliteStore.builder()
        .file(new File(filesDir, "rstream.db"))   // on Android: context.getFilesDir()
        .maxWindowBytes(64L << 20)                // budget for committed windows, evicted LRU
        .build();
    RStreamClient client = RStreamClient.builder().streamUrl(url).store(store).build();
    // README:end
  }

  private void showError(List<Change> changes, Throwable why) {}

  private final StringBuilder badge = new StringBuilder();

  void outbox(RStreamClient client) {
    // README:outbox
    client.append(Change.update("parcel", "p-17", "{\"state\":\"delivered\"}"));   // in the store when it returns
    client.outboxSize().subscribe(n -> badge.replace(0, badge.length(), n + " changes waiting"));
    client.rejectedWrites().subscribe(e -> showError(e.changes(), e.getCause()));
    // README:end
  }

  void memory(SqliteStore store) {
    // README:memory
    RStreamClient client = RStreamClient.builder()
        .streamUrl(url)
        .store(store)                 // dropped windows come back from here, with no request
        .memoryBudget(32L << 20)      // default 16 MiB; Long.MAX_VALUE keeps every window read
        .build();
    // README:end
  }

  void usage() {
    // README:usage
    RStreamClient client = RStreamClient.builder()
        .streamUrl("http://127.0.0.1:4437/v1/stream/orders")
        .build();

    // The state at a past time, then completes. state() is the state as of the server's tail now, once.
    StateView past = client.window(Instant.parse("2026-11-22T09:00:00Z")).blockingLast();
    Order order = past.value("order", "o-17", Order.class);

    // The current state, then a state per append; never completes. All live subscribers share one connection.
    Disposable live = client.live()
        .observeOn(mainThread)
        .subscribe(view -> render(view.entities("order")));

    // The window set as it changes (state and bounds of each window).
    client.windows().subscribe(windows -> log(windows));

    // Read your writes: the offset after the change, then wait until the local state has it.
    Offset written = client.append(Change.update("order", "o-17", "{\"status\":\"paid\"}")).blockingGet();
    client.awaitOffset(written).blockingAwait();

    client.close();   // releases the connection and every thread the client started; an OkHttpClient you gave it stays yours
    // README:end
  }

  void subsets(RStreamClient client) {
    // README:subsets
    // Woken only when an entity of type "order" is inserted, changed or deleted.
    client.live("order")
        .observeOn(mainThread)
        .subscribe(view -> updateRows(view.entities("order"), view.changedKeys("order")));

    // One entity: its value at once, then each time it changes; exists() is false once deleted.
    client.live("order", "o-17")
        .observeOn(mainThread)
        .subscribe(o17 -> {
          if (o17.exists()) showOrder(o17.value(Order.class));
          else showDeleted();
        });
    // README:end
  }

  void events() {
    // README:events
    RStreamClient client = RStreamClient.builder()
        .streamUrl(url)
        .eventListener(new RStreamEventListener() {
          @Override public void requestEnd(Request request, int status, long bytesSent, long bytesReceived) {
            metrics.bytesIn(bytesReceived);
          }

          @Override public void liveConnectionClosed(@Nullable Throwable cause) {
            if (cause != null) log("live connection lost: " + cause);
          }
        })
        .build();
    // README:end
  }
}
