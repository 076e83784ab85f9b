package dev.rstream;

import static dev.rstream.internal.http.TransportFixture.errorOf;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.state.ChangeEncoder;
import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bearer tokens against the real server-stub over real sockets: tokens expire while a client
 * follows the stream live and a producer appends, and the clients renew them through the app's
 * {@link TokenSupplier} without losing, repeating or logging anything.
 */
@ExtendWith(UndeliveredRxErrors.class)
class AuthTokenTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The token the server accepts now: the "auth service" issues it, the server checks it. */
  private final AtomicReference<String> issued = new AtomicReference<>("tok-Secret-1");

  final StubServerExtension server =
      StubServerExtension.configured(
          builder ->
              builder
                  .bearerToken(issued::get)
                  // Short SSE cycles and long-polls: connections come back often, so expiries bite
                  // soon.
                  .sseCycle(Duration.ofMillis(400))
                  .longPollTimeout(Duration.ofMillis(400)));

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private String url;

  /**
   * The app's side: caches the last token it got and asks the auth service again only when the SDK
   * reports it refused. Records each refusal it hears.
   */
  final class AppTokens implements TokenSupplier {
    final BlockingQueue<String> refusals = new LinkedBlockingQueue<>();
    private String cached;

    AppTokens(String first) {
      cached = first;
    }

    @Override
    public synchronized String token(@Nullable String refused) {
      if (refused != null) {
        refusals.add(refused);
        if (refused.equals(cached)) cached = issued.get();
      }
      return cached;
    }

    /** Waits until the SDK reported {@code token} refused. */
    void awaitRefusalOf(String token) throws InterruptedException {
      while (true) {
        String refused = refusals.poll(10, SECONDS);
        assertThat(refused).as("refusal of %s", token).isNotNull();
        if (refused.equals(token)) return;
      }
    }
  }

  @BeforeEach
  void start() {
    url = server.streamUrl("auth/orders");
    stream(new AppTokens(issued.get()))
        .create(
            CreateOptions.builder()
                .contentType("application/json")
                .header("Rstream-Keyframes", "changes=7, interval=3600s")
                .build())
        .timeout(10, SECONDS)
        .blockingGet();
  }

  private DurableStream stream(TokenSupplier tokens) {
    return DurableStream.builder().url(url).okHttpClient(server.http()).authToken(tokens).build();
  }

  /** The producer "writer" of the stream, with no linger, authorized by {@code tokens}. */
  private IdempotentProducer producer(TokenSupplier tokens) {
    return stream(tokens)
        .producer(
            ProducerOptions.builder("writer")
                .contentType("application/json")
                .linger(0, TimeUnit.MILLISECONDS)
                .build());
  }

  private RStreamClient client(TokenSupplier tokens, LiveTransport mode) {
    return clients.client(clients.withoutLinger(url).authToken(tokens).liveTransport(mode));
  }

  private static String change(int i) {
    String array =
        new String(
            ChangeEncoder.encode(List.of(Change.insert("item", "k" + i, Integer.toString(i)))),
            StandardCharsets.UTF_8);
    return array.substring(1, array.length() - 1); // one value, not an array of one
  }

  /** Appends changes {@code from..to-1} through {@code producer}, one acknowledged at a time. */
  private static Offset appendAll(IdempotentProducer producer, int from, int to) {
    Offset last = null;
    for (int i = from; i < to; i++) {
      last = producer.appendJson(change(i)).timeout(10, SECONDS).blockingGet().nextOffset();
    }
    return last;
  }

  private void expire(AppTokens reader, String token, String next) throws InterruptedException {
    issued.set(next);
    // The live connection in flight outlives the token; its reconnect is refused and renewed.
    reader.awaitRefusalOf(token);
  }

  /** Every live state is the prefix k0..k(n-1) for a larger n than the state before. */
  private static void assertGapFreeAndIncreasing(List<StateView> states, int total) {
    int previous = -1;
    Offset previousOffset = null;
    for (StateView state : states) {
      Map<String, String> items = state.entities("item");
      int n = items.size();
      for (int i = 0; i < n; i++) {
        assertThat(items)
            .as("state at %s", state.offset())
            .containsEntry("k" + i, Integer.toString(i));
      }
      if (previousOffset != null) {
        assertThat(state.offset()).isGreaterThan(previousOffset);
        assertThat(n).isGreaterThanOrEqualTo(previous);
      }
      previous = n;
      previousOffset = state.offset();
    }
    assertThat(previous).isEqualTo(total);
  }

  /** Each change is in the server's log exactly once. */
  private void assertEachChangeOnceInTheLog(int total) {
    List<String> keys = new ArrayList<>();
    boolean inKeyframe = false;
    DurableStream reader = stream(new AppTokens(issued.get()));
    for (ReadBatch<String> batch :
        reader
            .read(ReadOptions.builder().build(), MessageDecoder.rawJson())
            .timeout(10, SECONDS)
            .blockingIterable()) {
      for (String message : batch.messages()) {
        try {
          JsonNode node = MAPPER.readTree(message);
          String control = node.path("headers").path("control").asText();
          // A keyframe's inserts repeat the state; only the changes between keyframes count.
          if (control.equals("snapshot-start")) inKeyframe = true;
          if (control.equals("snapshot-end")) inKeyframe = false;
          if (!inKeyframe && node.path("type").asText().equals("item")) {
            keys.add(node.get("key").asText());
          }
        } catch (Exception e) {
          throw new AssertionError(message, e);
        }
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) expected.add("k" + i);
    assertThat(keys).containsExactlyElementsOf(expected);
  }

  @Test
  void tokensExpireMidSseAndTheClientsRenewThemWithNoGapAndNoDuplicate() throws Exception {
    runExpiringTokens(LiveTransport.SSE);
  }

  @Test
  void tokensExpireMidLongPollAndTheClientsRenewThemWithNoGapAndNoDuplicate() throws Exception {
    runExpiringTokens(LiveTransport.LONG_POLL);
  }

  private List<StateView> runExpiringTokens(LiveTransport mode) throws Exception {
    AppTokens readerTokens = new AppTokens(issued.get());
    AppTokens writerTokens = new AppTokens(issued.get());
    RStreamClient reader = client(readerTokens, mode);
    IdempotentProducer producer = producer(writerTokens);
    BlockingQueue<StateView> live = new LinkedBlockingQueue<>();
    List<Throwable> liveErrors = new CopyOnWriteArrayList<>();
    Disposable subscription = reader.live().subscribe(live::add, liveErrors::add);

    appendAll(producer, 0, 20);
    expire(readerTokens, "tok-Secret-1", "tok-Secret-2");
    appendAll(producer, 20, 40); // the producer's first append after the expiry is refused once
    writerTokens.awaitRefusalOf("tok-Secret-1");
    expire(readerTokens, "tok-Secret-2", "tok-Secret-3");
    Offset last = appendAll(producer, 40, 60);
    reader.awaitOffset(last).timeout(10, SECONDS).blockingAwait();

    List<StateView> states = new ArrayList<>();
    while (states.isEmpty() || states.get(states.size() - 1).offset().compareTo(last) < 0) {
      StateView state = live.poll(10, SECONDS);
      assertThat(state).as("live state at %s (errors %s)", last, liveErrors).isNotNull();
      states.add(state);
    }
    subscription.dispose();
    assertThat(liveErrors).isEmpty();
    assertGapFreeAndIncreasing(states, 60);
    assertEachChangeOnceInTheLog(60);
    return states;
  }

  @Test
  void windowAndIndexReadsWithAnExpiredTokenAreRenewed() throws Exception {
    AppTokens writerTokens = new AppTokens(issued.get());
    IdempotentProducer producer = producer(writerTokens);
    appendAll(producer, 0, 20); // keyframes every 7 changes: committed windows and an index
    Instant now = Instant.now();
    issued.set("tok-Secret-2");

    AppTokens stale = new AppTokens("tok-Secret-1");
    StateView view =
        client(stale, LiveTransport.AUTO).window(now).timeout(10, SECONDS).blockingLast();

    assertThat(view.entities("item")).hasSize(20);
    stale.awaitRefusalOf("tok-Secret-1");
  }

  @Test
  void aSupplierThatKeepsGivingRefusedTokensFailsLiveAndAppendsTypedWithoutLooping()
      throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    TokenSupplier wrong =
        refused -> {
          asked.add(String.valueOf(refused));
          return "tok-Wrong";
        };
    RStreamClient client = client(wrong, LiveTransport.SSE);

    Throwable error = errorOf(client.live().test().awaitDone(10, SECONDS));
    assertThat(error).isInstanceOf(AuthenticationException.class);
    assertThat(((AuthenticationException) error).status()).isEqualTo(401);
    int askedForLive = asked.size();
    assertThat(asked).contains("tok-Wrong");
    assertThat(askedForLive).as("questions for one failed live()").isLessThanOrEqualTo(6);

    Throwable append =
        errorOf(client.append(Change.insert("item", "x", "1")).test().awaitDone(10, SECONDS));
    assertThat(append).isInstanceOf(AuthenticationException.class);
    // One request, one renewal re-sent, a second renewal that gives the same token (so not sent),
    // and no retry.
    assertThat(asked).hasSize(askedForLive + 3);
  }

  @Test
  void aSupplierThatThrowsFailsLiveWithItsCause() throws Exception {
    IllegalStateException signedOut = new IllegalStateException("user signed out");
    RStreamClient client =
        client(
            refused -> {
              throw signedOut;
            },
            LiveTransport.AUTO);

    Throwable error = errorOf(client.live().test().awaitDone(10, SECONDS));

    assertThat(error).isInstanceOf(AuthenticationException.class).hasCause(signedOut);
  }

  @Test
  void noTokenReachesALogAnExceptionOrAToString() throws Exception {
    List<String> julLines = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          private final SimpleFormatter formatter = new SimpleFormatter();

          @Override
          public void publish(LogRecord record) {
            julLines.add(formatter.format(record)); // message, parameters and the whole stack trace
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger root = Logger.getLogger("");
    List<Logger> verbose = List.of(Logger.getLogger("dev.rstream"), Logger.getLogger("okhttp3"));
    List<Level> levels = new ArrayList<>();
    for (Logger logger : verbose) {
      levels.add(logger.getLevel());
      logger.setLevel(Level.ALL);
    }
    capture.setLevel(Level.ALL);
    root.addHandler(capture);
    PrintStream originalErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    List<Throwable> errors = new ArrayList<>();
    List<String> strings = new ArrayList<>();
    try {
      List<StateView> states = runExpiringTokens(LiveTransport.AUTO);
      states.forEach(state -> strings.add(state.toString()));

      RStreamClient wrong = client(refused -> "tok-Secret-Wrong", LiveTransport.SSE);
      errors.add(errorOf(wrong.live().test().awaitDone(10, SECONDS)));
      errors.add(
          errorOf(wrong.append(Change.insert("item", "x", "1")).test().awaitDone(10, SECONDS)));
      DurableStream failing =
          stream(
              refused -> {
                if (refused != null) throw new IllegalStateException("refresh failed");
                return "tok-Secret-Old";
              });
      errors.add(errorOf(failing.head().test().awaitDone(10, SECONDS)));
      strings.add(failing.toString());
      strings.add(
          stream(new AppTokens(issued.get())).head().timeout(10, SECONDS).blockingGet().toString());
    } finally {
      System.setErr(originalErr);
      root.removeHandler(capture);
      for (int i = 0; i < verbose.size(); i++) verbose.get(i).setLevel(levels.get(i));
    }
    assertThat(errors).hasSize(3).allMatch(e -> e instanceof AuthenticationException);
    for (Throwable error : errors) {
      for (Throwable t = error; t != null; t = t.getCause()) {
        strings.add(t.toString());
        for (StackTraceElement frame : t.getStackTrace()) strings.add(frame.toString());
      }
    }
    // The run logged its refusals and reconnects (so the capture works), without a token.
    assertThat(julLines).isNotEmpty();
    assertThat(String.join("\n", julLines)).doesNotContain("tok-Secret");
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("tok-Secret");
    assertThat(strings).noneMatch(s -> s.contains("tok-Secret"));
  }
}
