package dev.rstream.internal.http;

import dev.rstream.RStreamEventListener;
import java.io.IOException;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * Tells an {@link RStreamEventListener} of a client's HTTP requests through OkHttp's own {@link
 * EventListener}, which sees every call, its body byte counts and its end; one instance per call.
 * The app's own event listener on the client keeps hearing everything (OkHttp's {@code plus}).
 */
public final class CallEvents extends EventListener {
  private final RStreamEventListener listener;
  // Volatile: OkHttp may report one call's events from more than one thread.
  private volatile long bytesSent;
  private volatile long bytesReceived;
  private volatile int status;

  private CallEvents(RStreamEventListener listener) {
    this.listener = listener;
  }

  /**
   * {@code http} as it is, when {@code listener} is {@link RStreamEventListener#NONE}; else a
   * client sharing its pools, dispatcher and interceptors whose calls also tell {@code listener}.
   */
  public static OkHttpClient reporting(OkHttpClient http, RStreamEventListener listener) {
    if (listener == RStreamEventListener.NONE) return http;
    EventListener.Factory apps = http.eventListenerFactory();
    return http.newBuilder()
        .eventListenerFactory(call -> apps.create(call).plus(new CallEvents(listener)))
        .build();
  }

  @Override
  public void callStart(Call call) {
    listener.requestStart(call.request());
  }

  @Override
  public void requestBodyEnd(Call call, long byteCount) {
    bytesSent += byteCount;
  }

  @Override
  public void responseHeadersEnd(Call call, Response response) {
    status = response.code();
  }

  @Override
  public void responseBodyEnd(Call call, long byteCount) {
    bytesReceived += byteCount;
  }

  @Override
  public void callEnd(Call call) {
    listener.requestEnd(call.request(), status, bytesSent, bytesReceived);
  }

  @Override
  public void callFailed(Call call, IOException e) {
    listener.requestFailed(call.request(), bytesSent, bytesReceived, e);
  }
}
