package dev.rstream.server.http;

import dev.rstream.server.write.WriteRejectedException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Reads whole request bodies without blocking a thread while the bytes arrive, up to the configured
 * limit. Thread-safe.
 */
final class RequestBodies {
  /** What to do with a body once it is all in; runs on a Jetty pool thread. */
  interface Consumer {
    void accept(byte[] body) throws HttpError, WriteRejectedException;
  }

  private final int maxBodyBytes;
  private final long maxInFlightBytes;

  /** Bytes reserved by bodies being read now, across all requests. */
  private final AtomicLong inFlight = new AtomicLong();

  RequestBodies(int maxBodyBytes, long maxInFlightBytes) {
    this.maxBodyBytes = maxBodyBytes;
    this.maxInFlightBytes = maxInFlightBytes;
  }

  /**
   * Reads the whole request body, then hands it to {@code next}, whose refusals are answered. A
   * body over the limit is a 413 (checked on Content-Length first, so most are refused before a
   * byte is read); a client that goes away mid-body fails the exchange, and nothing is appended.
   *
   * <p>Bodies are held whole, so all requests together may hold at most the in-flight budget: a
   * request is reserved its declared length ({@code maxBodyBytes} when undeclared) before a byte is
   * read, and one that does not fit is answered 503 with {@code Retry-After}.
   *
   * @throws HttpError 413 when the declared length is over the limit, 503 when the budget is spent
   */
  void read(Request request, Response response, Callback callback, String path, Consumer next)
      throws HttpError {
    int max = maxBodyBytes;
    long length = request.getLength();
    if (length > max) {
      throw tooLarge(path, max);
    }
    long reserved = length >= 0 ? length : max;
    if (!reserve(reserved)) {
      throw new HttpError(
              503,
              "server_busy",
              "too many request bodies in flight; retry the write to " + path + " shortly")
          .header("Retry-After", "1");
    }
    // BLOCKING: the continuation parses JSON and may wait for a state stream's first keyframe,
    // so Jetty must run it on a pool thread, never on the selector that read the last bytes.
    Content.Source.asByteArrayAsync(
        request,
        max,
        Promise.Invocable.from(
            Invocable.InvocationType.BLOCKING,
            (byte[] body, Throwable error) -> {
              try (Release ignored = () -> inFlight.addAndGet(-reserved)) {
                if (error != null) {
                  Throwable cause = ErrorResponses.unwrap(error);
                  if (Request.getContentBytesRead(request) > max
                      || cause instanceof IllegalArgumentException) {
                    throw tooLarge(path, max);
                  }
                  callback.failed(cause);
                  return;
                }
                next.accept(body);
              } catch (HttpError e) {
                ErrorResponses.write(request, response, callback, e);
              } catch (WriteRejectedException e) {
                ErrorResponses.write(request, response, callback, WriteFailures.toHttpError(e));
              } catch (RuntimeException e) {
                ErrorResponses.writeInternal(request, response, callback, e);
              }
            }));
  }

  private boolean reserve(long bytes) {
    while (true) {
      long used = inFlight.get();
      if (used + bytes > maxInFlightBytes) return false;
      if (inFlight.compareAndSet(used, used + bytes)) return true;
    }
  }

  /** Gives a reservation back when the continuation is done with the body. */
  private interface Release extends AutoCloseable {
    @Override
    void close();
  }

  private static HttpError tooLarge(String path, int max) {
    return new HttpError(413, "body_too_large", "body for " + path + " is over " + max + " bytes");
  }
}
