package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.internal.window.DurableStreamSource;
import dev.rstream.internal.window.StreamSource;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connections cut at chosen points of a live read, and a server that repeats or reorders data, at
 * the {@link RStreamClient#live()} level: each change reaches subscribers once, in order, or the
 * subscriber fails typed before any state built from bad data.
 */
@ExtendWith(UndeliveredRxErrors.class)
class RStreamClientLiveFaultTest {
  private static final String T0 = "2026-01-01T00:00:00Z";
  private static final int CHANGES = 6;

  /** What catch-up reads pretend the head is; live reads serve the rest. */
  private static final int CATCH_UP_HEAD = 2;

  @RegisterExtension
  final ScriptedServer server =
      new ScriptedServer(new OkHttpClient.Builder().readTimeout(5, SECONDS).build(), this::answer);

  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicBoolean faulted = new AtomicBoolean();
  private RStreamClient client;

  /** The body of the first live SSE read, given the one a healthy server sends; null: healthy. */
  private Function<Integer, MockResponse> firstSse;

  private Function<Integer, MockResponse> firstCatchUp;

  private MockResponse answer(RecordedRequest request) {
    String path = request.getUrl().encodedPath();
    String offset = request.getUrl().queryParameter("offset");
    String live = request.getUrl().queryParameter("live");
    requests.add(path + "?offset=" + offset + (live == null ? "" : "&live=" + live));
    if (path.endsWith(".keyframes")) {
      return ScriptedServer.upToDate(
              "i1", "[{\"offset\":\"" + pad(0) + "\",\"timestamp\":\"" + T0 + "\"}]")
          .build();
    }
    int from = "-1".equals(offset) ? -1 : Integer.parseInt(offset);
    if (live == null) {
      if (firstCatchUp != null && faulted.compareAndSet(false, true))
        return firstCatchUp.apply(from);
      return catchUp(from).build();
    }
    if ("sse".equals(live)) {
      if (firstSse != null && faulted.compareAndSet(false, true)) return firstSse.apply(from);
      return sse(sseEvents(from, CHANGES)).build();
    }
    return new MockResponse.Builder().code(400).body("only sse here").build();
  }

  @BeforeEach
  void setUp() {
    StreamSource source =
        DurableStreamSource.create(
            server.url("/v1/stream/orders"),
            server.http(),
            RetryPolicy.builder().initialDelay(1, MILLISECONDS).maxDelay(20, MILLISECONDS).build(),
            Schedulers.io(),
            null);
    client =
        RStreamClient.builder()
            .source(source)
            .liveTransport(LiveTransport.SSE)
            .liveLinger(0, SECONDS)
            .build();
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  private static String pad(int offset) {
    return String.format("%010d", offset);
  }

  /** Offset 1 holds the keyframe; change n (from 1) sits at offset n + 1 and sets o1 to n. */
  private static String message(int offset) {
    if (offset == 1) {
      return "{\"headers\":{\"control\":\"snapshot-start\",\"offset\":\""
          + pad(1)
          + "\",\"timestamp\":\""
          + T0
          + "\"}},"
          + "{\"type\":\"order\",\"key\":\"o1\",\"value\":0,\"headers\":{\"operation\":\"insert\",\"offset\":\""
          + pad(1)
          + "\",\"timestamp\":\""
          + T0
          + "\"}},"
          + "{\"headers\":{\"control\":\"snapshot-end\",\"offset\":\""
          + pad(1)
          + "\"}}";
    }
    return change(offset, offset - 1);
  }

  private static String change(int offset, int value) {
    return "{\"type\":\"order\",\"key\":\"o1\",\"value\":"
        + value
        + ",\"headers\":{\"operation\":\"update\","
        + "\"offset\":\""
        + pad(offset)
        + "\",\"timestamp\":\""
        + T0
        + "\"}}";
  }

  private static MockResponse.Builder catchUp(int from) {
    int head = CATCH_UP_HEAD + 1;
    StringBuilder body = new StringBuilder("[");
    for (int o = Math.max(from, 0) + 1; o <= head; o++)
      body.append(body.length() > 1 ? "," : "").append(message(o));
    return ScriptedServer.upToDate(pad(Math.max(head, from)), body.append(']').toString());
  }

  private static String event(String data, int next) {
    return "event: data\ndata: ["
        + data
        + "]\n\n"
        + "event: control\ndata: {\"streamNextOffset\":\""
        + pad(next)
        + "\",\"streamCursor\":\"c\",\"upToDate\":true}\n\n";
  }

  /**
   * The events after {@code from} up to change {@code last}; a quiet server holds the read a while.
   */
  private static String sseEvents(int from, int last) {
    StringBuilder events = new StringBuilder();
    for (int o = from + 1; o <= last + 1; o++) events.append(event(message(o), o));
    return events.toString();
  }

  private static MockResponse.Builder sse(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "text/event-stream")
        .body(body)
        // Nothing new: do not let the client spin on empty reads.
        .bodyDelay(body.isEmpty() ? 100 : 0, MILLISECONDS);
  }

  /**
   * A response cut by the server after {@code keep} characters of {@code body}: MockWebServer's
   * {@link SocketEffect.ShutdownConnection} on the body cuts it after half, so the tail is padded
   * (with SSE comments or JSON whitespace) to put the half at {@code keep}.
   */
  private static MockResponse.Builder cutAfter(
      MockResponse.Builder response, String body, int keep, String padUnit) {
    // What follows the cut is never delivered: the kept part, then padding up to twice its length.
    StringBuilder padded = new StringBuilder(body.substring(0, keep));
    while (padded.length() < 2 * keep) padded.append(padUnit);
    padded.setLength(2 * keep);
    return response
        .body(padded.toString())
        .onResponseBody(SocketEffect.ShutdownConnection.INSTANCE);
  }

  /**
   * The first requests the server got, for a failure message: a copy first, since the server still
   * adds to the list (a view of it would throw once it changed).
   */
  private List<String> firstRequests() {
    List<String> all = new ArrayList<>(requests);
    return all.subList(0, Math.min(8, all.size()));
  }

  /**
   * Subscribes to live() and returns the values change by change, checking each arrives once in
   * order.
   */
  private List<Integer> valuesSeen() throws Exception {
    BlockingQueue<Object> views = new LinkedBlockingQueue<>();
    Disposable live = client.live().subscribe(views::add, views::add);
    List<Integer> values = new ArrayList<>();
    Offset previous = null;
    try {
      while (values.size() < expected().size()) {
        Object next = views.poll(10, SECONDS);
        assertThat(next)
            .as(
                "a state for change %s in time (first requests %s)",
                values.size() + 1, firstRequests())
            .isNotNull();
        if (next instanceof Throwable) throw new AssertionError("live failed", (Throwable) next);
        StateView view = (StateView) next;
        if (previous != null) assertThat(view.offset()).isGreaterThan(previous);
        previous = view.offset();
        values.add(Integer.parseInt(view.json("order", "o1")));
      }
      Object extra = views.poll(300, MILLISECONDS);
      assertThat(extra).as("nothing after the last change").isNull();
    } finally {
      live.dispose();
    }
    return values;
  }

  @Test
  void healthyScriptDeliversEveryChangeOnceInOrder() throws Exception {
    // The baseline the faulty scripts below are compared with.
    List<Integer> values = valuesSeen();
    assertThat(values).isEqualTo(expected());
  }

  @Test
  void connectionDroppedInTheMiddleOfACatchUpBodyDeliversEveryChangeOnce() throws Exception {
    firstCatchUp =
        from -> {
          MockResponse.Builder healthy = catchUp(from);
          String body = healthy.getBody() == null ? "" : bodyOf(from);
          // Cut inside the keyframe's messages: the retried read must not apply them twice.
          return cutAfter(healthy, body, body.length() / 2, " ").build();
        };
    assertThat(valuesSeen()).isEqualTo(expected());
    assertThat(
            requests.stream()
                .filter(r -> r.startsWith("/v1/stream/orders?") && !r.contains("live"))
                .count())
        .as("the catch-up read was retried")
        .isEqualTo(2);
  }

  @Test
  void connectionDroppedInTheMiddleOfAnSseEventDeliversEveryChangeOnce() throws Exception {
    firstSse =
        from -> {
          String events = sseEvents(from, CHANGES);
          String first = event(message(from + 1), from + 1);
          // Cut inside the second event's data line: that event must be dropped, then read again.
          int keep = first.length() + "event: data\ndata: [{\"type\"".length();
          return cutAfter(sse(events), events, keep, ": pad\n").build();
        };
    assertThat(valuesSeen()).isEqualTo(expected());
    assertThat(requests.stream().filter(r -> r.contains("live=sse")).limit(2))
        .as("the second SSE read resumes after the first event")
        .element(1)
        .asString()
        .contains("offset=" + pad(CATCH_UP_HEAD + 2));
  }

  @Test
  void connectionDroppedBetweenTwoSseEventsDeliversEveryChangeOnce() throws Exception {
    firstSse =
        from -> {
          String events = sseEvents(from, CHANGES);
          String firstTwo = event(message(from + 1), from + 1) + event(message(from + 2), from + 2);
          return cutAfter(sse(events), events, firstTwo.length(), ": pad\n").build();
        };
    assertThat(valuesSeen()).isEqualTo(expected());
    assertThat(requests.stream().filter(r -> r.contains("live=sse")).limit(2))
        .as("the second SSE read resumes after the second event")
        .element(1)
        .asString()
        .contains("offset=" + pad(CATCH_UP_HEAD + 3));
  }

  @Test
  void aChangeWhoseOffsetGoesBackwardsInALiveReadFailsWithAProtocolErrorAndIsNotApplied()
      throws Exception {
    // After the change at offset 4, one claiming offset 3 (already passed) with new data.
    firstSse =
        from -> sse(event(message(from + 1), from + 1) + event(change(from, 99), from + 2)).build();
    assertFailsTypedWithoutBadState();
  }

  @Test
  void aStreamNextOffsetThatGoesBackwardsInALiveReadFailsWithAProtocolErrorAndIsNotApplied()
      throws Exception {
    // The second event's change is new, but its streamNextOffset is behind the first event's.
    firstSse =
        from -> sse(event(message(from + 1), from + 1) + event(change(from + 2, 99), from)).build();
    assertFailsTypedWithoutBadState();
  }

  @Test
  void aStreamNextOffsetThatRepeatsWithNewDataFailsWithAProtocolErrorAndIsNotApplied()
      throws Exception {
    // The second event brings a new change but the same streamNextOffset as the first.
    firstSse =
        from ->
            sse(event(message(from + 1), from + 1) + event(change(from + 1, 99), from + 1)).build();
    assertFailsTypedWithoutBadState();
  }

  private void assertFailsTypedWithoutBadState() throws InterruptedException {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Disposable live = client.live().subscribe(events::add, events::add);
    List<String> values = new ArrayList<>();
    Throwable error = null;
    try {
      while (error == null) {
        Object next = events.poll(10, SECONDS);
        assertThat(next)
            .as("the subscriber hears of the bad data in time; saw %s", values)
            .isNotNull();
        if (next instanceof Throwable) error = (Throwable) next;
        else values.add(((StateView) next).json("order", "o1"));
      }
    } finally {
      live.dispose();
    }
    assertThat(error).isInstanceOf(ProtocolException.class);
    assertThat(values).as("states emitted before the error").doesNotContain("99").contains("3");
  }

  private static String bodyOf(int from) {
    int head = CATCH_UP_HEAD + 1;
    StringBuilder body = new StringBuilder("[");
    for (int o = Math.max(from, 0) + 1; o <= head; o++)
      body.append(body.length() > 1 ? "," : "").append(message(o));
    return body.append(']').toString();
  }

  /** The first state is the caught-up one (change CATCH_UP_HEAD), then every later change. */
  private static List<Integer> expected() {
    List<Integer> values = new ArrayList<>();
    for (int i = CATCH_UP_HEAD; i <= CHANGES; i++) values.add(i);
    return values;
  }
}
