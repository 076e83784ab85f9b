package dev.rstream;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.durable.AppendOptions;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.testing.Await;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/PROTOCOL.md 3.2: a keyframe written by another process (a keyframer) as of the stream's
 * start ({@code asOf: -1}: the empty state) after changes were appended. The changes before it come
 * after its snapshot, so a live reader keeps every one of them, whether it read them before the
 * keyframe or reads them again from its start, and a reader that stops and resumes after the
 * keyframe goes on from it. Served by the real server-stub (a plain JSON stream, whose keyframes a
 * keyframer writes), as it is and behind a proxy that strips {@code headers.offset} (a server that
 * does not set it, 2.1).
 */
@ExtendWith(UndeliveredRxErrors.class)
class StreamStartKeyframeEndToEndTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant T1 = Instant.parse("2026-01-01T00:00:10Z");
  private static final Instant T2 = Instant.parse("2026-01-01T00:00:20Z");
  private static final Instant T3 = Instant.parse("2026-01-01T00:00:30Z");

  /** The empty keyframe a keyframer writes as of the stream's start: no timestamp, no insert. */
  private static final List<String> KEYFRAME_AS_OF_START =
      List.of(
          "{\"headers\":{\"control\":\"snapshot-start\",\"asOf\":\"-1\"}}",
          "{\"headers\":{\"control\":\"snapshot-end\"}}");

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();
  private final MockWebServer withoutOffsets = new MockWebServer();
  private final OkHttpClient upstream = new OkHttpClient();
  private final List<RStreamClient> clients = new ArrayList<>();
  private DurableStream stream;

  @BeforeEach
  void start() throws IOException {
    stream =
        DurableStream.builder().url(server.streamUrl("orders")).okHttpClient(server.http()).build();
    stream.create(CreateOptions.json()).timeout(10, SECONDS).blockingGet();
    withoutOffsets.setDispatcher(new OffsetStrippingProxy());
    withoutOffsets.start(0);
  }

  @AfterEach
  void stop() {
    clients.forEach(RStreamClient::close);
    upstream.dispatcher().cancelAll(); // long-polls the proxy forwards
    withoutOffsets.close();
    upstream.dispatcher().executorService().shutdown();
    upstream.connectionPool().evictAll();
  }

  @ParameterizedTest(name = "headers.offset served: {0}")
  @ValueSource(booleans = {true, false})
  void aLiveReaderKeepsTheChangesBeforeAKeyframeAsOfTheStreamStart(boolean offsetsServed)
      throws Exception {
    LocalStore store = LocalStore.inMemory();
    RStreamClient client = client(offsetsServed, store);
    TestSubscriber<StateView> live = client.live().test();
    live.awaitCount(1);
    append(ReferenceChanges.insertMessage("o1", "1", T1));
    Offset o2 = append(ReferenceChanges.insertMessage("o2", "2", T2));
    latestHolding(live, o2, "o1", "o2"); // shown before the keyframe is written
    int shown = live.values().size();
    Offset keyframe = append(KEYFRAME_AS_OF_START.toArray(new String[0]));

    Await.until(() -> live.values().size() > shown, "a view at the keyframe");
    StateView afterKeyframe = latestHolding(live, keyframe, "o1", "o2");
    live.assertNoErrors();
    // The keyframe takes o1 and o2 out of the window before it and applies them after its state:
    // subscribers were shown them already, and are not told them again.
    List<String> told = new ArrayList<>();
    for (StateView view : live.values().subList(1, live.values().size())) {
      for (Change change : view.changes()) told.add(change.key());
    }
    assertThat(told).as("each change told once").containsExactly("o1", "o2");
    assertThat(afterKeyframe.entities("order"))
        .containsOnly(Map.entry("o1", "1"), Map.entry("o2", "2"));
    assertThat(afterKeyframe.timestamp()).isEqualTo(T2);
    live.cancel();

    // Resumed from the live window it held: from the keyframe on, not before it.
    Offset o3 = append(ReferenceChanges.insertMessage("o3", "3", T3));
    TestSubscriber<StateView> resumed = client.live().test();
    StateView view = latestHolding(resumed, o3, "o1", "o2", "o3");
    resumed.assertNoErrors();
    assertThat(view.entities("order"))
        .containsOnly(Map.entry("o1", "1"), Map.entry("o2", "2"), Map.entry("o3", "3"));
    resumed.cancel();
    client.close();

    // A restart on the store resumes the same way; a new client reads it all from the start.
    Offset o4 = append(ReferenceChanges.insertMessage("o4", "4", T3));
    for (RStreamClient next : List.of(client(offsetsServed, store), client(offsetsServed, null))) {
      TestSubscriber<StateView> again = next.live().test();
      StateView latest = latestHolding(again, o4, "o1", "o2", "o3", "o4");
      again.assertNoErrors();
      assertThat(latest.entities("order")).containsOnlyKeys("o1", "o2", "o3", "o4");
      assertThat(latest.timestamp()).isEqualTo(T3);
      again.cancel();
    }
  }

  /**
   * The subscriber's latest view once one holds {@code keys} and, where the server names unit ends
   * ({@code headers.offset}), is at or past {@code offset}; without them a view's offset is the
   * position of the read that brought its last change. Fails after 10 s.
   */
  private static StateView latestHolding(
      TestSubscriber<StateView> subscriber, Offset offset, String... keys)
      throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (true) {
      List<StateView> views = subscriber.values();
      if (!views.isEmpty()) {
        StateView last = views.get(views.size() - 1);
        if (last.entities("order").keySet().containsAll(List.of(keys))) return last;
      }
      subscriber.assertNoErrors();
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no view holding " + List.of(keys) + " (" + offset + ") within 10 s; got " + views);
      }
      Thread.sleep(5); // polls a condition with a deadline
    }
  }

  private RStreamClient client(boolean offsetsServed, LocalStore store) {
    String url =
        offsetsServed
            ? stream.url().toString()
            : withoutOffsets.url(stream.url().encodedPath()).toString();
    RStreamClient.Builder builder =
        RStreamClient.builder()
            .streamUrl(url)
            .okHttpClient(server.http())
            .liveTransport(LiveTransport.LONG_POLL)
            .liveLinger(0, SECONDS);
    if (store != null) builder.store(store);
    RStreamClient client = builder.build();
    clients.add(client);
    return client;
  }

  private Offset append(String... messages) {
    return requireNonNull(
        stream
            .appendJsonBatch(List.of(messages), AppendOptions.none())
            .timeout(10, SECONDS)
            .blockingGet()
            .nextOffset());
  }

  /** Forwards reads to server-stub and removes {@code headers.offset} from the messages. */
  private final class OffsetStrippingProxy extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      HttpUrl target =
          HttpUrl.get(server.streamUrl("x"))
              .newBuilder()
              .encodedPath(request.getUrl().encodedPath())
              .encodedQuery(request.getUrl().encodedQuery())
              .build();
      try (Response response =
          upstream.newCall(new Request.Builder().url(target).build()).execute()) {
        MockResponse.Builder answer = new MockResponse.Builder().code(response.code());
        for (String name : response.headers().names()) {
          if (name.equalsIgnoreCase("Content-Length")) continue;
          for (String value : response.headers(name)) answer.addHeader(name, value);
        }
        ResponseBody body = response.body();
        String text = body.string();
        if (response.code() == 200 && text.startsWith("[")) {
          JsonNode messages = MAPPER.readTree(text);
          for (JsonNode message : messages) {
            JsonNode headers = message.get("headers");
            if (headers instanceof ObjectNode) ((ObjectNode) headers).remove("offset");
          }
          text = MAPPER.writeValueAsString(messages);
        }
        return answer.body(text).build();
      } catch (IOException e) {
        return new MockResponse.Builder().code(503).body(String.valueOf(e)).build();
      }
    }
  }
}
