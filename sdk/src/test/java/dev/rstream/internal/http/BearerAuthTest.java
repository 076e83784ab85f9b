package dev.rstream.internal.http;

import static dev.rstream.internal.http.TransportFixture.errorOf;
import static dev.rstream.internal.http.TransportFixture.json;
import static dev.rstream.internal.http.TransportFixture.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.AuthenticationException;
import dev.rstream.TokenSupplier;
import dev.rstream.durable.AppendResult;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.durable.StreamInfo;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bearer token on scripted 401s: every kind of request renews a refused token and goes on;
 * refusals past the bound, a supplier with nothing new, or one that fails end the operation typed
 * and without looping.
 */
class BearerAuthTest {
  @RegisterExtension final TransportFixture fixture = new TransportFixture();
  private final Tokens tokens = new Tokens();

  /** Hands out t1, t2, ... : a new one each time a token is refused; records every question. */
  static final class Tokens implements TokenSupplier {
    final List<String> asked = new ArrayList<>();
    private int current = 1;
    @Nullable Exception failOnRefresh;
    @Nullable RuntimeException failAlways;

    @Override
    public synchronized String token(@Nullable String refused) throws Exception {
      asked.add(String.valueOf(refused));
      if (failAlways != null) throw failAlways;
      if (refused != null) {
        if (failOnRefresh != null) throw failOnRefresh;
        if (refused.equals("t" + current)) current++;
      }
      return "t" + current;
    }

    synchronized List<String> asked() {
      return new ArrayList<>(asked);
    }
  }

  private DurableStream stream() {
    return fixture.streamBuilder().authToken(tokens).build();
  }

  private static MockResponse refused() {
    return new MockResponse.Builder()
        .code(401)
        .addHeader("WWW-Authenticate", "Bearer")
        .addHeader("Content-Type", "application/json")
        .body("{\"error\":{\"code\":\"unauthorized\",\"message\":\"expired\"}}")
        .build();
  }

  /** A 401 to a HEAD: a body there would corrupt the connection. */
  private static MockResponse refusedHead() {
    return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Bearer").build();
  }

  private static MockResponse upToDate(String body, String nextOffset) {
    return json(body, nextOffset).addHeader("Stream-Up-To-Date", "true").build();
  }

  private static TestSubscriber<ReadBatch<String>> readToTheEnd(DurableStream stream) {
    return stream
        .read(ReadOptions.builder().build(), MessageDecoder.rawJson())
        .test()
        .awaitDone(5, TimeUnit.SECONDS);
  }

  /** The next requests carried these tokens, in order. */
  private void assertSentTokens(String... tokens) throws InterruptedException {
    for (String token : tokens)
      assertThat(authorizationOfNextRequest()).isEqualTo("Bearer " + token);
  }

  private String authorizationOfNextRequest() throws InterruptedException {
    return fixture.take().getHeaders().get("Authorization");
  }

  @Test
  void refusedCatchUpReadAsksTheSupplierWithTheRefusedTokenAndSucceeds() throws Exception {
    fixture.server.enqueue(refused());
    fixture.server.enqueue(upToDate("[1,2]", "0_2"));

    TestSubscriber<ReadBatch<String>> read = readToTheEnd(stream());

    read.assertComplete();
    assertThat(read.values().get(0).messages()).containsExactly("1", "2");
    assertSentTokens("t1", "t2");
    assertThat(tokens.asked()).containsExactly("null", "t1");
    fixture.assertNoMoreRequests();
  }

  @Test
  void aTokenRotatedAgainBeforeTheReSendArrivesIsRenewedOnceMore() throws Exception {
    fixture.server.enqueue(refused());
    fixture.server.enqueue(refused());
    fixture.server.enqueue(upToDate("[1]", "0_1"));

    TestSubscriber<ReadBatch<String>> read = readToTheEnd(stream());

    read.assertComplete();
    assertThat(read.values().get(0).messages()).containsExactly("1");
    assertSentTokens("t1", "t2", "t3");
    assertThat(tokens.asked()).containsExactly("null", "t1", "t2");
    fixture.assertNoMoreRequests();
  }

  @Test
  void everyNewTokenRefusedEndsTypedAfterThreeRenewals() throws Exception {
    for (int i = 0; i <= BearerAuth.MAX_RENEWALS; i++) fixture.server.enqueue(refused());
    // Would be served to a fifth attempt: the test fails if there is one.
    fixture.server.enqueue(upToDate("[1]", "0_1"));

    TestSubscriber<ReadBatch<String>> read = readToTheEnd(stream());

    Throwable error = errorOf(read);
    assertThat(error)
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("also the 3 the TokenSupplier gave");
    assertThat(((AuthenticationException) error).status()).isEqualTo(401);
    assertThat(error.getMessage()).doesNotContain("t1").doesNotContain("t4");
    for (int i = 1; i <= 4; i++) assertThat(authorizationOfNextRequest()).isEqualTo("Bearer t" + i);
    fixture.assertNoMoreRequests();
    assertThat(tokens.asked()).containsExactly("null", "t1", "t2", "t3");
  }

  @Test
  void aSupplierThatGivesTheRefusedTokenAgainIsResentOnceAndNoMore() throws Exception {
    TokenSupplier stuck =
        refused -> {
          tokens.asked.add(String.valueOf(refused));
          return "t1";
        };
    fixture.server.enqueue(refused());
    fixture.server.enqueue(refused());
    // Would be served to a third attempt: the test fails if there is one.
    fixture.server.enqueue(upToDate("[1]", "0_1"));

    TestSubscriber<ReadBatch<String>> read =
        readToTheEnd(fixture.streamBuilder().authToken(stuck).build());

    Throwable error = errorOf(read);
    assertThat(error)
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("also the one the TokenSupplier gave");
    assertThat(error.getMessage()).doesNotContain("t1");
    assertSentTokens("t1", "t1");
    fixture.assertNoMoreRequests();
    assertThat(tokens.asked()).containsExactly("null", "t1", "t1");
  }

  @Test
  void aSupplierThatFailsOnRefreshEndsTheReadWithItsCause() throws Exception {
    fixture.server.enqueue(refused());
    IOException vaultDown = new IOException("vault down");
    tokens.failOnRefresh = vaultDown;

    TestSubscriber<ReadBatch<String>> read = readToTheEnd(stream());

    Throwable error = errorOf(read);
    assertThat(error).isInstanceOf(AuthenticationException.class).hasCause(vaultDown);
    assertThat(((AuthenticationException) error).status()).isEqualTo(401);
    fixture.take();
    fixture.assertNoMoreRequests();
  }

  @Test
  void aSupplierThatFailsFirstSendsNothingAndFailsEveryKindOfOperationWithItsCause()
      throws Exception {
    IllegalStateException signedOut = new IllegalStateException("signed out");
    tokens.failAlways = signedOut;
    DurableStream stream = stream();

    Throwable read =
        errorOf(
            stream
                .read(ReadOptions.builder().build(), MessageDecoder.rawJson())
                .test()
                .awaitDone(5, TimeUnit.SECONDS));
    Throwable head = errorOf(stream.head().test().awaitDone(5, TimeUnit.SECONDS));
    Throwable index =
        errorOf(
            stream
                .newBuilder()
                .url(fixture.server.url("/s.keyframes"))
                .build()
                .read(ReadOptions.builder().build(), MessageDecoder.rawJson())
                .test()
                .awaitDone(5, TimeUnit.SECONDS));
    Throwable append = errorOf(stream.appendJson("1").test().awaitDone(5, TimeUnit.SECONDS));

    for (Throwable error : List.of(read, head, index, append)) {
      assertThat(error).isInstanceOf(AuthenticationException.class).hasCause(signedOut);
      assertThat(((AuthenticationException) error).status()).isZero();
    }
    fixture.assertNoMoreRequests();
  }

  @Test
  void aRefusedAppendIsSentOnceMoreWithTheSameBodyAndHeaders() throws Exception {
    fixture.server.enqueue(refused());
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Stream-Next-Offset", "0_1")
            .addHeader("Producer-Epoch", "0")
            .addHeader("Producer-Seq", "0")
            .build());
    IdempotentProducer producer =
        stream()
            .producer(
                ProducerOptions.builder("p1")
                    .contentType("application/json")
                    .linger(0, TimeUnit.MILLISECONDS)
                    .build());

    AppendResult result =
        producer.appendJson("{\"a\":1}").timeout(5, TimeUnit.SECONDS).blockingGet();

    assertThat(result.duplicate()).isFalse();
    RecordedRequest first = fixture.take();
    RecordedRequest second = fixture.take();
    assertThat(first.getHeaders().get("Authorization")).isEqualTo("Bearer t1");
    assertThat(second.getHeaders().get("Authorization")).isEqualTo("Bearer t2");
    assertThat(second.getBody().utf8()).isEqualTo(first.getBody().utf8()).isEqualTo("[{\"a\":1}]");
    for (String header : List.of("Producer-Id", "Producer-Epoch", "Producer-Seq")) {
      assertThat(second.getHeaders().get(header)).isEqualTo(first.getHeaders().get(header));
    }
    fixture.assertNoMoreRequests();
  }

  @Test
  void refusedHeadIsRenewed() throws Exception {
    fixture.server.enqueue(refusedHead());
    fixture.server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .addHeader("Stream-Next-Offset", "0_3")
            .build());

    StreamInfo info = stream().head().timeout(5, TimeUnit.SECONDS).blockingGet();

    assertThat(info.nextOffset().value()).isEqualTo("0_3");
    assertSentTokens("t1", "t2");
  }

  @Test
  void refusedLongPollAndSseReconnectsAreRenewedAndResumeAtTheSameOffset() throws Exception {
    for (LiveMode mode : List.of(LiveMode.LONG_POLL, LiveMode.SSE)) {
      fixture.server.enqueue(upToDate("[1]", "0_1"));
      fixture.server.enqueue(refused());
      if (mode == LiveMode.SSE) {
        fixture.server.enqueue(
            sse(TransportFixture.dataEvent("[2]")
                    + TransportFixture.controlEvent(
                        "{\"streamNextOffset\":\"0_2\",\"streamClosed\":true}"))
                .build());
      } else {
        fixture.server.enqueue(
            json("[2]", "0_2")
                .addHeader("Stream-Up-To-Date", "true")
                .addHeader("Stream-Closed", "true")
                .build());
      }

      TestSubscriber<ReadBatch<String>> read =
          stream()
              .read(ReadOptions.builder().liveMode(mode).build(), MessageDecoder.rawJson())
              .test()
              .awaitDone(5, TimeUnit.SECONDS);

      read.assertComplete();
      List<String> messages = new ArrayList<>();
      read.values().forEach(batch -> messages.addAll(batch.messages()));
      assertThat(messages).as("%s", mode).containsExactly("1", "2");
      fixture.take();
      RecordedRequest refusedLive = fixture.take();
      RecordedRequest renewed = fixture.take();
      assertThat(renewed.getUrl()).isEqualTo(refusedLive.getUrl());
      assertThat(renewed.getUrl().queryParameter("offset")).isEqualTo("0_1");
      assertThat(renewed.getHeaders().get("Authorization"))
          .isNotEqualTo(refusedLive.getHeaders().get("Authorization"));
    }
  }

  @Test
  void a401WithoutATokenSupplierIsAnAuthenticationExceptionNamingTheFix() throws Exception {
    fixture.server.enqueue(refusedHead());

    Throwable error = errorOf(fixture.stream().head().test().awaitDone(5, TimeUnit.SECONDS));

    assertThat(error)
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("requires a bearer token");
    fixture.take();
    fixture.assertNoMoreRequests();
  }

  @Test
  void anErrorBodyQuotingTheTokenIsRedactedInTheMessage() throws Exception {
    tokens.failOnRefresh = new IOException("no refresh");
    fixture.server.enqueue(
        new MockResponse.Builder().code(401).body("token t1 is not valid; was it t1?").build());
    fixture.server.enqueue(
        new MockResponse.Builder().code(403).body("forbidden: " + "x".repeat(180) + " t1").build());

    TestSubscriber<ReadBatch<String>> refusedRead = readToTheEnd(stream());
    tokens.failOnRefresh = null;
    TestObserver<AppendResult> forbidden =
        stream().appendJson("1").test().awaitDone(5, TimeUnit.SECONDS);

    assertThat(errorOf(refusedRead).getMessage())
        .contains("token <token> is not valid")
        .doesNotContain("t1");
    assertThat(errorOf(forbidden).getMessage()).doesNotContain("t1");
    assertThat(HttpFailures.redact("cut at t-secr", "t-secret")).isEqualTo("cut at <token>");
  }

  @Test
  void aRequestAndTheHandleShowNoTokenWhenPrinted() {
    DurableStream stream = stream();
    StreamEndpoint endpoint =
        new StreamEndpoint(
            fixture.server.url("/s"),
            fixture.client,
            TransportFixture.fastRetries(),
            io.reactivex.rxjava3.schedulers.Schedulers.io(),
            java.util.Collections.emptyMap(),
            java.util.Collections.emptyMap(),
            tokens);
    okhttp3.Request request = endpoint.newRequest(java.util.Map.of(), java.util.Map.of()).build();

    assertThat(request.header("Authorization")).isEqualTo("Bearer t1");
    // OkHttp prints sensitive headers redacted; this keeps it so for the version we ship with.
    assertThat(request.toString()).doesNotContain("t1");
    assertThat(request.headers().toString()).doesNotContain("t1");
    assertThat(stream.toString()).doesNotContain("t1");
  }
}
