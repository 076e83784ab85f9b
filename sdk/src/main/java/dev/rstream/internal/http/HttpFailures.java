package dev.rstream.internal.http;

import dev.rstream.AuthenticationException;
import dev.rstream.ConflictException;
import dev.rstream.Offset;
import dev.rstream.OffsetGoneException;
import dev.rstream.ProducerFencedException;
import dev.rstream.RStreamException;
import dev.rstream.SequenceConflictException;
import dev.rstream.SequenceRegressionException;
import dev.rstream.StreamClosedException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.UnexpectedStatusException;
import dev.rstream.internal.retry.Recovery;
import dev.rstream.internal.retry.RetryableFailure;
import java.io.IOException;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/** Turns failed responses into what the caller should do: retry, or one typed exception. */
public final class HttpFailures {
  private HttpFailures() {}

  /**
   * Throws for a response whose status is not 2xx: {@link RetryableFailure} for the statuses {@link
   * Recovery#isRetryableStatus} retries, the matching {@link RStreamException} otherwise. Does not
   * close the response.
   */
  public static void check(Response response, String url, @Nullable Offset offset)
      throws RetryableFailure {
    int status = response.code();
    if (status >= 200 && status < 300) return;
    ErrorBody body =
        ErrorBody.read(
            response,
            BearerAuth.presentedToken(response.request().header(BearerAuth.AUTHORIZATION)));
    if (Recovery.isRetryableStatus(status)) {
      throw new RetryableFailure(
          "HTTP " + status + body.detail(),
          status,
          Recovery.retryAfterMillis(response.header("Retry-After")),
          body.code,
          null);
    }
    throw toException(response, url, offset, body);
  }

  private static RStreamException toException(
      Response response, String url, @Nullable Offset offset, ErrorBody body) {
    int status = response.code();
    String detail = body.detail();
    String code = body.code;
    switch (status) {
      case 401:
        {
          okhttp3.Request request = response.request();
          BearerAuth.Failure failure = request.tag(BearerAuth.Failure.class);
          if (failure != null) {
            return new AuthenticationException(
                "bearer token refused, and the TokenSupplier failed: "
                    + failure.cause.getClass().getName()
                    + detail,
                url,
                offset,
                status,
                code,
                failure.cause);
          }
          String why;
          BearerAuth.Renewed renewed = request.tag(BearerAuth.Renewed.class);
          if (BearerAuth.presentedToken(request.header(BearerAuth.AUTHORIZATION)) == null) {
            why = "the server requires a bearer token (see authToken)";
          } else if (renewed != null) {
            int renewals = renewed.times;
            why =
                renewals == 1
                    ? "bearer token refused, also the one the TokenSupplier gave after a first refusal"
                    : "bearer token refused, also the "
                        + renewals
                        + " the TokenSupplier gave after it, one after each refusal";
          } else {
            why = "bearer token refused";
          }
          return new AuthenticationException(why + detail, url, offset, status, code, null);
        }
      case 404:
        return new StreamNotFoundException(
            "stream not found" + detail, url, offset, status, code, null);
      case 410:
        return new OffsetGoneException(
            "offset or stream gone" + detail, url, offset, status, code, null);
      case 409:
        {
          if ("true".equalsIgnoreCase(response.header(StreamEndpoint.STREAM_CLOSED))) {
            Offset finalOffset =
                parseOffsetOrNull(response.header(StreamEndpoint.STREAM_NEXT_OFFSET));
            return new StreamClosedException(
                "stream is closed" + detail,
                url,
                finalOffset != null ? finalOffset : offset,
                status,
                code,
                null);
          }
          String expected = response.header(StreamEndpoint.PRODUCER_EXPECTED_SEQ);
          if (expected != null) {
            return new SequenceConflictException(
                url,
                parseLong(expected),
                parseLong(response.header(StreamEndpoint.PRODUCER_RECEIVED_SEQ)),
                null);
          }
          String streamSeq = response.request().header(StreamEndpoint.STREAM_SEQ);
          if (streamSeq != null) {
            return new SequenceRegressionException(
                "Stream-Seq " + streamSeq + " refused as not above the last one" + detail,
                url,
                streamSeq,
                null);
          }
          return new ConflictException("conflict" + detail, url, offset, status, code, null);
        }
      case 403:
        {
          String current = response.header(StreamEndpoint.PRODUCER_EPOCH);
          String sent = response.request().header(StreamEndpoint.PRODUCER_EPOCH);
          if (current != null && sent != null) {
            return new ProducerFencedException(url, parseLong(sent), parseLong(current), null);
          }
          return new UnexpectedStatusException(
              "forbidden" + detail, url, offset, status, code, null);
        }
      default:
        return new UnexpectedStatusException(
            "unexpected status" + detail, url, offset, status, code, null);
    }
  }

  /** A network failure as a retryable one. */
  public static RetryableFailure network(IOException e) {
    return new RetryableFailure("network error: " + e, 0, 0, e);
  }

  static @Nullable Offset parseOffsetOrNull(@Nullable String value) {
    if (value == null) return null;
    try {
      return Offset.of(value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The number a header holds, or -1 if it holds none (absent or not a number). */
  static long parseLong(@Nullable String value) {
    if (value == null) return -1;
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code text} without {@code token}, nor the start of it where the excerpt was cut. */
  static String redact(String text, String token) {
    String result = text.replace(token, "<token>");
    for (int length = token.length() - 1; length >= 4; length--) {
      if (result.endsWith(token.substring(0, length))) {
        return result.substring(0, result.length() - length) + "<token>";
      }
    }
    return result;
  }
}
