package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rstream.RStreamEventListener.StoreItem;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an {@link RStreamEventListener} hears against the real server-stub on its durable store,
 * over real sockets: a catch-up, a live connection cut by the server going away and reconnected,
 * and windows served by a SQLite store after a restart.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamEventListenerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  final StubServerExtension server =
      StubServerExtension.configured(builder -> builder.dataDir(dir.resolve("server")));

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private String url;

  @BeforeEach
  void start() {
    url = server.createStateStream("shop/orders", "changes=5, interval=3600s");
  }

  private RStreamClient client(LocalStore store, RStreamEventListener listener) {
    return clients.client(
        RStreamClient.builder()
            .streamUrl(url)
            .okHttpClient(server.http())
            .store(store)
            .eventListener(listener)
            .liveLinger(0, SECONDS));
  }

  /** Appends 12 changes one second apart from T0: keyframes after the 5th and the 10th. */
  private Offset appendTwelve() {
    RStreamClient writer = client(LocalStore.inMemory(), RStreamEventListener.NONE);
    Offset last = null;
    for (int i = 0; i < 12; i++) {
      Change change =
          Change.update("order", "o" + (i % 3), "{\"n\":" + i + "}")
              .newBuilder()
              .timestamp(T0.plusSeconds(i))
              .build();
      last = writer.append(change).timeout(10, SECONDS).blockingGet();
    }
    return last;
  }

  @Test
  void aCatchUpIsHeardRequestByRequestWindowByWindow() throws Exception {
    Offset last = appendTwelve();
    Recorder events = new Recorder();
    RStreamClient reader = client(LocalStore.inMemory(), events);

    StateView early = reader.window(T0.plusSeconds(2)).timeout(10, SECONDS).blockingLast();
    assertThat(early.json("order", "o2")).isEqualTo("{\"n\":2}");
    String id = early.windowId();
    List<Event> window =
        events.await(e -> e.name.equals("window") && e.state == WindowState.COMMITTED);
    assertThat(events.of("window").stream().filter(e -> e.id.equals(id)).map(e -> e.state))
        .containsExactly(WindowState.PENDING, WindowState.PULLING, WindowState.COMMITTED);
    assertThat(window).anyMatch(e -> e.name.equals("storeMiss") && e.id.equals(id));
    assertThat(events.of("requestEnd"))
        .as("the index and the window's range read, with their bytes")
        .anyMatch(e -> e.url.contains(".keyframes") && e.status == 200 && e.received > 0)
        .anyMatch(e -> e.url.contains("offset=" + id) && e.status == 200 && e.received > 0);

    TestSubscriber<StateView> live = reader.live().test();
    LiveViews.latestAtOrPast(live, last);
    List<Event> heard = events.await(e -> e.name.equals("opened"));
    assertThat(heard).anyMatch(e -> e.name.equals("storeMiss") && e.item == StoreItem.LIVE_WINDOW);
    // The cursor starts at the last keyframe, applied before the state it reached was shown.
    assertThat(events.of("keyframeApplied")).isNotEmpty();
    assertThat(events.of("requestStart")).allMatch(e -> e.url.startsWith(server.url()));
    live.cancel();
    events.await(e -> e.name.equals("closed"));
    assertThat(events.of("closed").get(0).cause).as("closed as nobody listens").isNull();
  }

  @Test
  void aLiveConnectionCutIsHeardClosedRetriedAndOpenedAgain() throws Exception {
    Recorder events = new Recorder();
    RStreamClient reader = client(LocalStore.inMemory(), events);
    TestSubscriber<StateView> live = reader.live().test();
    events.await(e -> e.name.equals("opened"));

    server.stop();
    List<Event> cut = events.await(e -> e.name.equals("retry"));
    server.startAgain();
    events.await(e -> e.name.equals("opened") && events.of("opened").size() == 2);
    Offset after =
        reader.append(Change.insert("order", "o9", "{}")).timeout(10, SECONDS).blockingGet();
    LiveViews.latestAtOrPast(live, after);

    assertThat(events.of("requestEnd"))
        .as("the append, with the bytes of its body")
        .anyMatch(e -> e.method.equals("POST") && e.status == 200 && e.sent > 0);
    Event closed = cut.stream().filter(e -> e.name.equals("closed")).findFirst().orElseThrow();
    assertThat(closed.cause).isInstanceOf(TransientException.class);
    Event retry = cut.get(cut.size() - 1);
    assertThat(retry.attempt).isEqualTo(1);
    assertThat(retry.delay).isNotNegative();
    assertThat(retry.cause).isInstanceOf(TransientException.class);
    assertThat(cut.indexOf(closed))
        .as("closed before the retry is scheduled")
        .isLessThan(cut.size() - 1);
    List<String> live2 =
        events.all.stream()
            .filter(e -> e.name.equals("opened") || e.name.equals("closed"))
            .map(e -> e.name)
            .collect(Collectors.toList());
    assertThat(live2).startsWith("opened", "closed").contains("opened");
    assertThat(live2.get(live2.size() - 1)).isEqualTo("opened");
    live.cancel();
  }

  @Test
  void aRequestThatCannotConnectIsHeardFailedAndRetried() throws Exception {
    server.stop();
    Recorder events = new Recorder();
    RStreamClient reader =
        clients.client(
            clients
                .builder(url)
                .eventListener(events)
                .retryPolicy(
                    RetryPolicy.builder()
                        .initialDelay(1, MILLISECONDS)
                        .maxDelay(1, MILLISECONDS)
                        .maxRetries(1)
                        .build()));

    Throwable error = catchThrowable(() -> reader.window(T0).timeout(10, SECONDS).blockingLast());

    assertThat(error).isInstanceOf(TransientException.class);
    List<Event> failed = events.await(e -> e.name.equals("requestFailed"));
    Event first = failed.get(failed.size() - 1);
    assertThat(first.url).as("the index read").contains(".keyframes");
    assertThat(first.cause).isInstanceOf(IOException.class);
    assertThat(failed).as("started before it failed").anyMatch(e -> e.name.equals("requestStart"));
    events.await(e -> e.name.equals("retry") && e.attempt == 1);
    assertThat(events.of("requestEnd")).as("no answer from a stopped server").isEmpty();
  }

  @Test
  void aStoreHitAfterARestartReadsNothingFromTheServer() throws Exception {
    Offset last = appendTwelve();
    java.io.File file = dir.resolve("client.db").toFile();
    String id;
    try (SqliteStore store = SqliteStore.builder().file(file).build()) {
      RStreamClient first = client(store, RStreamEventListener.NONE);
      id = first.window(T0.plusSeconds(2)).timeout(10, SECONDS).blockingLast().windowId();
      LiveViews.latestAtOrPast(first.live().test(), last);
      first.close();
    }

    Recorder events = new Recorder();
    try (SqliteStore store = SqliteStore.builder().file(file).build()) {
      RStreamClient restarted = client(store, events);
      StateView early = restarted.window(T0.plusSeconds(2)).timeout(10, SECONDS).blockingLast();
      assertThat(early.fromStore()).isTrue();
      assertThat(events.of("storeHit"))
          .anyMatch(e -> e.item == StoreItem.WINDOW && e.id.equals(id));
      assertThat(events.of("storeMiss")).noneMatch(e -> e.id.equals(id));
      assertThat(events.of("requestStart"))
          .as("no read of the stored window's range")
          .noneMatch(e -> e.url.contains("offset=" + id) && !e.url.contains(".keyframes"));

      TestSubscriber<StateView> live = restarted.live().test();
      live.awaitCount(1);
      assertThat(events.of("storeHit")).anyMatch(e -> e.item == StoreItem.LIVE_WINDOW);
      live.cancel();
      restarted.close();
    }
  }

  /** One event, with the fields its kind has. */
  static final class Event {
    final String name;
    String url = "";
    String method = "";
    String id = "";
    int status;
    long sent;
    long received;
    long delay;
    int attempt;
    @Nullable Throwable cause;
    @Nullable WindowState state;
    @Nullable StoreItem item;

    Event(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return name + (id.isEmpty() ? "" : " " + id) + (state == null ? "" : " " + state);
    }
  }

  /** Records every event, from whatever thread, in the order they came. */
  static final class Recorder extends RStreamEventListener {
    final List<Event> all = new CopyOnWriteArrayList<>();

    private Event add(Event event) {
      all.add(event);
      return event;
    }

    List<Event> of(String name) {
      return all.stream().filter(e -> e.name.equals(name)).collect(Collectors.toList());
    }

    /** Every event up to the first that {@code wanted} accepts; fails after 15 s without one. */
    List<Event> await(Predicate<Event> wanted) throws InterruptedException {
      long deadline = System.nanoTime() + SECONDS.toNanos(15);
      while (true) {
        List<Event> seen = new ArrayList<>(all);
        for (int i = 0; i < seen.size(); i++) {
          if (wanted.test(seen.get(i))) return seen.subList(0, i + 1);
        }
        assertThat(System.nanoTime()).as("the event in time; heard %s", seen).isLessThan(deadline);
        Thread.sleep(5); // polls a condition with a deadline
      }
    }

    @Override
    public void requestStart(Request request) {
      Event e = new Event("requestStart");
      e.url = request.url().toString();
      e.method = request.method();
      add(e);
    }

    @Override
    public void requestEnd(Request request, int status, long bytesSent, long bytesReceived) {
      Event e = new Event("requestEnd");
      e.url = request.url().toString();
      e.method = request.method();
      e.status = status;
      e.sent = bytesSent;
      e.received = bytesReceived;
      add(e);
    }

    @Override
    public void requestFailed(
        Request request, long bytesSent, long bytesReceived, IOException cause) {
      Event e = new Event("requestFailed");
      e.url = request.url().toString();
      e.method = request.method();
      e.cause = cause;
      add(e);
    }

    @Override
    public void liveConnectionOpened(Offset from) {
      add(new Event("opened")).id = from.value();
    }

    @Override
    public void liveConnectionClosed(@Nullable Throwable cause) {
      add(new Event("closed")).cause = cause;
    }

    @Override
    public void retryScheduled(long delayMillis, int attempt, TransientException cause) {
      Event e = new Event("retry");
      e.delay = delayMillis;
      e.attempt = attempt;
      e.cause = cause;
      add(e);
    }

    @Override
    public void windowStateChanged(WindowInfo window) {
      Event e = new Event("window");
      e.id = window.id();
      e.state = window.state();
      add(e);
    }

    @Override
    public void storeHit(StoreItem item, String id) {
      Event e = new Event("storeHit");
      e.item = item;
      e.id = id;
      add(e);
    }

    @Override
    public void storeMiss(StoreItem item, String id) {
      Event e = new Event("storeMiss");
      e.item = item;
      e.id = id;
      add(e);
    }

    @Override
    public void keyframeApplied(Keyframe keyframe) {
      add(new Event("keyframeApplied")).id = keyframe.offset().value();
    }
  }
}
