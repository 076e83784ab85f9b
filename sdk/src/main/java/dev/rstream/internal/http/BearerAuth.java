package dev.rstream.internal.http;

import static java.util.Objects.requireNonNull;

import dev.rstream.AuthenticationException;
import dev.rstream.TokenSupplier;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The bearer token of every request to an endpoint: put on when the request is built ({@link
 * #authorization}), and renewed once when the server answers 401. The renewal is an OkHttp
 * application interceptor, as OkHttp's own {@code Authenticator} would be, so it happens inside the
 * call for every kind of request alike (catch-up, long-poll, SSE, the HEAD probe, appends, the
 * producer, the keyframe index), and the retry loops above see either the answer to the fresh token
 * or its 401. Not an {@code Authenticator}: that one can only fail a call with an {@code
 * IOException}, which the loops would retry as a network error, while a supplier's failure must end
 * the operation with its cause.
 *
 * <p>A refused re-send is renewed again only while the supplier gives a token other than the one
 * just refused, and at most {@value #MAX_RENEWALS} times per request: a server that rotates its
 * token between the renewal and the re-send (one that accepts one token at a time) is followed, and
 * a supplier that keeps giving bad tokens costs at most {@value #MAX_RENEWALS} + 1 requests per
 * operation, not a loop. The last 401 goes up and becomes an {@link AuthenticationException}.
 */
final class BearerAuth implements Interceptor {
  static final String AUTHORIZATION = "Authorization";

  /** Renewals of one request; each after the first needs a token unlike the one just refused. */
  static final int MAX_RENEWALS = 3;

  private final TokenSupplier tokens;

  BearerAuth(TokenSupplier tokens) {
    this.tokens = requireNonNull(tokens, "tokens == null");
  }

  /**
   * The {@code Authorization} value for a new request.
   *
   * @throws AuthenticationException if the supplier fails or gives something unsendable
   */
  String authorization(String url) {
    try {
      return "Bearer " + token(null);
    } catch (Exception e) {
      keepInterrupt(e);
      throw new AuthenticationException(
          "the TokenSupplier gave no token: " + e.getClass().getName(), url, null, 0, e);
    }
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    Response response = chain.proceed(request);
    for (int renewals = 0; response.code() == 401 && renewals < MAX_RENEWALS; renewals++) {
      String refused = presentedToken(request.header(AUTHORIZATION));
      if (refused == null) return response; // a header the app set itself: not ours to renew
      String fresh;
      try {
        fresh = token(refused);
      } catch (Exception e) {
        keepInterrupt(e);
        // The 401 goes up with the supplier's failure attached; HttpFailures makes it the cause.
        return response
            .newBuilder()
            .request(request.newBuilder().tag(Failure.class, new Failure(e)).build())
            .build();
      }
      // The first renewal re-sends whatever the supplier gives (a token just issued may not have
      // reached every node yet); later ones only a token the server has not refused just now.
      if (renewals > 0 && fresh.equals(refused)) return response;
      response.close();
      request =
          request
              .newBuilder()
              .header(AUTHORIZATION, "Bearer " + fresh)
              .tag(Renewed.class, new Renewed(renewals + 1))
              .build();
      response = chain.proceed(request);
    }
    return response;
  }

  private String token(@Nullable String refused) throws Exception {
    String token = tokens.token(refused);
    if (token == null) throw new NullPointerException("TokenSupplier returned null");
    // Checked here, not by OkHttp, whose message would quote the value.
    if (token.isEmpty()) throw new IllegalArgumentException("TokenSupplier returned \"\"");
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        throw new IllegalArgumentException(
            "TokenSupplier returned a token with a character not allowed in a header at " + i);
      }
    }
    return token;
  }

  /** A supplier interrupted while it waited for a refresh: the thread must still know. */
  private static void keepInterrupt(Exception e) {
    if (e instanceof InterruptedException) Thread.currentThread().interrupt();
  }

  /** The token of an {@code Authorization: Bearer} value, or null. */
  static @Nullable String presentedToken(@Nullable String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /** Tags a 401 whose renewal failed because the supplier threw. */
  static final class Failure {
    final Exception cause;

    Failure(Exception cause) {
      this.cause = cause;
    }
  }

  /** Tags a request re-sent with a renewed token: the how-many-th renewal it is. */
  static final class Renewed {
    final int times;

    Renewed(int times) {
      this.times = times;
    }
  }
}
