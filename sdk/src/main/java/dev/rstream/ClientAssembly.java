package dev.rstream;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.internal.http.CallEvents;
import dev.rstream.internal.live.LiveCursor;
import dev.rstream.internal.live.LiveReadSetup;
import dev.rstream.internal.outbox.Outbox;
import dev.rstream.internal.outbox.OutboxLink;
import dev.rstream.internal.outbox.Outboxes;
import dev.rstream.internal.store.NoLocalStore;
import dev.rstream.internal.store.StoreMirror;
import dev.rstream.internal.window.DurableStreamSource;
import dev.rstream.internal.window.LiveCheckpoint;
import dev.rstream.internal.window.ProgressBoard;
import dev.rstream.internal.window.ProgressReportingSource;
import dev.rstream.internal.window.StreamSource;
import dev.rstream.internal.window.WindowRegistry;
import dev.rstream.internal.window.WindowStateEvents;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Builds the parts of one {@link RStreamClient} from its {@link ClientConfig} and wires them
 * together: the HTTP sources (one per retry policy), the store's outbox, the window registry, the
 * live cursor, and the views, append path and lifecycle over them. Runs once, in the client's
 * constructor; the outbox starts sending only at its end.
 */
final class ClientAssembly {
  private static final Logger log = Logger.getLogger(RStreamClient.class.getName());

  final String streamUrl;
  final ProgressBoard progress = new ProgressBoard();
  final ClosedGate gate;
  final LiveStates live;
  final HistoryViews history;
  final ClientAppends appends;
  final ClientLifecycle lifecycle;
  final Connectivity connectivity;

  ClientAssembly(ClientConfig config) {
    StreamSource source = config.source;
    StreamSource oneShot;
    StreamSource outboxSource;
    OkHttpClient owned = null;
    OkHttpClient http = null;
    RetryPolicy oneShotPolicy = config.oneShotPolicy();
    if (source == null) {
      http = config.okHttpClient;
      if (http == null) {
        http = new OkHttpClient();
        owned = http;
      }
      http = CallEvents.reporting(http, config.eventListener);
      HttpUrl url = HttpUrl.get(requireNonNull(config.streamUrl)); // checkComplete() checked it
      source =
          DurableStreamSource.create(
              url, http, config.retryPolicyOrDefault(), config.scheduler, config.authToken);
      oneShot =
          DurableStreamSource.create(url, http, oneShotPolicy, config.scheduler, config.authToken);
      // The outbox times its own retries, so that a sign of the network cuts a backoff short.
      outboxSource =
          DurableStreamSource.create(
              url, http, RetryPolicy.none(), config.scheduler, config.authToken);
    } else {
      oneShot = source;
      outboxSource = source;
    }
    RStreamEventListener events = config.eventListener;
    StreamSource oneShotSource = new ProgressReportingSource(oneShot, progress, events);
    this.streamUrl = source.url();
    this.gate = new ClosedGate(streamUrl, progress);
    ObjectMapper mapper = config.objectMapperOrDefault();
    LocalStore store = config.store != null ? config.store : NoLocalStore.INSTANCE;
    Outbox outbox = openOutbox(store, config.memoryOutbox);
    OutboxLink link = outbox == null ? null : outboxLink(outboxSource, config);
    StoreMirror mirror = new StoreMirror(streamUrl, store, events);
    LiveCheckpoint checkpoint = new LiveCheckpoint(mirror);
    WindowRegistry registry =
        new WindowRegistry(
            oneShotSource,
            mirror,
            checkpoint,
            config.scheduler,
            config.maxParallelFetches,
            config.memoryBudget,
            progress);
    LiveCursor cursor =
        new LiveCursor(
            new LiveReadSetup(
                source,
                checkpoint,
                registry.keyframes(),
                progress,
                config.scheduler,
                config.liveMode(),
                config.liveReadTimeoutMillis,
                config.liveReconnects(),
                events),
            config.lingerMillis);
    if (events != RStreamEventListener.NONE) {
      gate.untilClosed(registry.windows()).subscribe(new WindowStateEvents(events));
    }
    this.appends =
        new ClientAppends(gate, source, store, cursor, progress, config.scheduler, outbox);
    this.live =
        new LiveStates(gate, cursor, oneShotSource, oneShotPolicy, mapper, outbox, appends::online);
    this.history = new HistoryViews(gate, registry, live, progress, config.clock);
    this.connectivity = new Connectivity(cursor, http, gate.closedSubject(), appends::online);
    this.lifecycle =
        new ClientLifecycle(
            gate, streamUrl, cursor, registry, progress, appends, store, outbox, link, owned);
    // Last: from here on the outbox may send (what a previous run left in it, first).
    if (outbox != null && link != null) outbox.attach(link);
  }

  private @Nullable Outbox openOutbox(LocalStore store, boolean inMemory) {
    if (!store.keepsOutbox()) return inMemory ? Outboxes.inMemory(streamUrl) : null;
    try {
      return Outboxes.open(store, streamUrl);
    } catch (RuntimeException e) { // any store's failure: appends then go out as without one
      log.log(Level.WARNING, streamUrl + ": cannot read the outbox, appends are not kept", e);
      return null;
    }
  }

  /** How the outbox sends an entry: as its producer, with no retries of the transport's own. */
  private static OutboxLink outboxLink(StreamSource outboxSource, ClientConfig config) {
    return new OutboxLink(
        entry ->
            outboxSource.appendAs(
                entry.producerId(),
                entry.epoch(),
                entry.seq(),
                entry.body().getBytes(StandardCharsets.UTF_8)),
        outboxSource::tail,
        config.retryPolicyOrDefault(),
        config.scheduler,
        config.eventListener);
  }
}
