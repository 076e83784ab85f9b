package dev.rstream;

import dev.rstream.internal.live.LiveCursor;
import dev.rstream.internal.live.LiveHold;
import dev.rstream.internal.outbox.Outbox;
import dev.rstream.internal.outbox.OutboxLink;
import dev.rstream.internal.outbox.Outboxes;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.WindowRegistry;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Pausing, resuming and closing a client: {@link RStreamClient#pause()}, {@link
 * RStreamClient#resume()} and {@link RStreamClient#close()}, which releases what the client holds
 * in the order its parts need. Thread-safe.
 */
final class ClientLifecycle {
  private final ClosedGate gate;
  private final String streamUrl;
  private final LiveCursor cursor;
  private final WindowRegistry registry;
  private final ProgressBoard progress;
  private final ClientAppends appends;
  private final LocalStore store;
  private final @Nullable Outbox outbox;
  private final @Nullable OutboxLink outboxLink;
  // Built by this client when the app gave none: its threads and connections are ours to release.
  private final @Nullable OkHttpClient ownedHttp;

  ClientLifecycle(
      ClosedGate gate,
      String streamUrl,
      LiveCursor cursor,
      WindowRegistry registry,
      ProgressBoard progress,
      ClientAppends appends,
      LocalStore store,
      @Nullable Outbox outbox,
      @Nullable OutboxLink outboxLink,
      @Nullable OkHttpClient ownedHttp) {
    this.gate = gate;
    this.streamUrl = streamUrl;
    this.cursor = cursor;
    this.registry = registry;
    this.progress = progress;
    this.appends = appends;
    this.store = store;
    this.outbox = outbox;
    this.outboxLink = outboxLink;
    this.ownedHttp = ownedHttp;
  }

  /** See {@link RStreamClient#pause()}. */
  void pause() {
    gate.checkOpen();
    cursor.hold(LiveHold.PAUSED);
  }

  /** See {@link RStreamClient#resume()}. */
  void resume() {
    gate.checkOpen();
    cursor.release(LiveHold.PAUSED);
    appends.online();
  }

  /** See {@link RStreamClient#close()}. */
  void close() {
    if (!appends.closeGate()) return;
    ChangeProducer made = appends.currentProducer();
    cursor.close();
    registry.close();
    progress.complete();
    Outbox kept = outbox;
    OutboxLink link = outboxLink;
    if (kept != null && link != null) Outboxes.release(store, streamUrl, kept, link);
    if (made != null) {
      // Sends what is queued, then refuses more; a failure is the appends' own to report.
      made.stop().onErrorComplete().doFinally(this::releaseHttp).subscribe();
    } else {
      releaseHttp();
    }
  }

  /** Shuts down the HTTP client this client built, if it built one; never the app's. */
  private void releaseHttp() {
    OkHttpClient http = ownedHttp;
    if (http == null) return;
    // Calls still running finish; the dispatcher's idle threads end now instead of a minute on.
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
