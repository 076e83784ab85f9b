package dev.rstream.internal.http;

import dev.rstream.Offset;
import dev.rstream.RStreamException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * The next catch-up page, asked for as soon as the current page's body has arrived, so that the
 * server prepares it (reads, frames, compresses) while the client decodes the current one and the
 * two no longer wait on each other (BENCHMARKS.md measures the gain). One page ahead at most, and
 * only for a body of at most {@link ReadLoop#PREFETCH_MAX_BODY_BYTES}, so the memory it costs is
 * bounded; a retry, a failure, the end of the read or a cancel abandons it (closing its response if
 * one came). Its callbacks come on OkHttp's dispatcher threads; {@link #await()} on the read's.
 */
final class PagePrefetch implements Callback {
  final Offset offset;
  final Call call;
  private @Nullable Response response;
  private @Nullable IOException failure;
  private boolean done;
  private boolean abandoned;

  private PagePrefetch(Offset offset, Call call) {
    this.offset = offset;
    this.call = call;
    call.enqueue(this);
  }

  /** Asks for the page from {@code next}; null if no request can be made for it now. */
  static @Nullable PagePrefetch ask(
      StreamEndpoint endpoint, Offset next, Map<String, String> headers) {
    Request request;
    try {
      request =
          endpoint
              .newRequest(Collections.singletonMap("offset", next.value()), headers)
              .get()
              .build();
    } catch (RStreamException e) {
      // No token for it: the page in hand is delivered first, and the next request fails in turn.
      return null;
    }
    return new PagePrefetch(next, endpoint.client().newCall(request));
  }

  /** Whether the body's last byte other than JSON whitespace is {@code ]}. */
  static boolean endsAnArray(Buffer body) {
    for (long i = body.size() - 1; i >= 0; i--) {
      byte b = body.getByte(i);
      if (b == ']') return true;
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
    }
    return false;
  }

  @Override
  public void onResponse(Call call, Response response) {
    synchronized (this) {
      if (!abandoned) {
        this.response = response;
        done = true;
        notifyAll();
        return;
      }
    }
    response.close();
  }

  @Override
  public synchronized void onFailure(Call call, IOException e) {
    failure = e;
    done = true;
    notifyAll();
  }

  /** The response, once its headers are in; a failure is thrown as the request's would be. */
  synchronized Response await() throws IOException {
    while (!done) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abandon();
        throw new InterruptedIOException("interrupted waiting for the next page");
      }
    }
    IOException failed = failure;
    if (failed != null) throw failed;
    if (abandoned) throw new IOException("Canceled");
    Response ready = Objects.requireNonNull(response);
    response = null;
    return ready;
  }

  void abandon() {
    call.cancel();
    Response unread;
    synchronized (this) {
      abandoned = true;
      unread = response;
      response = null;
    }
    if (unread != null) unread.close();
  }
}
