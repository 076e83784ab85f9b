package dev.rstream.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * An OkHttp client that records every request it sends, in order, and knows which live reads (a
 * {@code live} query parameter) are open now: a test can tell that a client sent nothing while it
 * should not, and that it holds no live call open. Thread-safe.
 */
public final class RecordingHttp {
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Set<Call> openLive = ConcurrentHashMap.newKeySet();
  private final AtomicInteger liveStarted = new AtomicInteger();
  private final AtomicInteger mostLiveOpen = new AtomicInteger();
  private final OkHttpClient client;

  /** Records the requests of a client made from {@code base} (sharing its pool and dispatcher). */
  public RecordingHttp(OkHttpClient base) {
    client =
        requireNonNull(base, "base == null")
            .newBuilder()
            .addInterceptor(
                chain -> {
                  // A call cancelled before it starts never reaches the network: it is no request.
                  if (!chain.call().isCanceled()) requests.add(chain.request());
                  return chain.proceed(chain.request());
                })
            .eventListener(new LiveCalls())
            .build();
  }

  /** The recording client. */
  public OkHttpClient client() {
    return client;
  }

  /** How many requests were sent so far. */
  public int sent() {
    return requests.size();
  }

  /** The URL of every request sent so far, in order. */
  public List<HttpUrl> requests() {
    List<HttpUrl> urls = new ArrayList<>();
    for (Request r : requests) urls.add(r.url());
    return urls;
  }

  /** Every request sent so far, in order, with its method and headers. */
  public List<Request> sentRequests() {
    return new ArrayList<>(requests);
  }

  /** Forgets the requests sent so far: {@link #sent()} counts from zero again. */
  public void clear() {
    requests.clear();
  }

  /** The requests sent since request number {@code from} whose path ends with {@code path}. */
  public List<HttpUrl> sentSince(int from, String path) {
    List<HttpUrl> result = new ArrayList<>();
    for (Request r : requests.subList(from, requests.size())) {
      if (r.url().encodedPath().endsWith(path)) result.add(r.url());
    }
    return result;
  }

  /** Whether a live read is open now. */
  public boolean liveReadOpen() {
    return !openLive.isEmpty();
  }

  /** How many live reads were started so far. */
  public int liveReadsStarted() {
    return liveStarted.get();
  }

  /** The most live reads that were open at once so far. */
  public int mostLiveReadsOpen() {
    return mostLiveOpen.get();
  }

  /** Tracks the live calls open now. */
  private final class LiveCalls extends EventListener {
    @Override
    public void callStart(Call call) {
      if (call.request().url().queryParameter("live") == null) return;
      liveStarted.incrementAndGet();
      openLive.add(call);
      mostLiveOpen.accumulateAndGet(openLive.size(), Math::max);
    }

    @Override
    public void callEnd(Call call) {
      openLive.remove(call);
    }

    @Override
    public void callFailed(Call call, IOException ioe) {
      openLive.remove(call);
    }

    // Call.cancel() closes the socket at once; the call's end is reported later, from the thread
    // that was reading it. From cancel on, the connection no longer exists.
    @Override
    public void canceled(Call call) {
      openLive.remove(call);
    }
  }
}
