package dev.rstream.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Writes history into a server-stub state stream whose keyframe policy is {@code changes=E} (E the
 * entities a batch writes): batch {@code b} updates every entity {@code e0 .. e(E-1)} of type
 * {@value #TYPE} to {@link #value(int, int)}, all stamped {@link #time(int)}, and is followed by
 * its own keyframe, so each batch is one window. The server writes keyframes on its own thread;
 * after each batch this waits (long-polling the keyframe index, no sleep) until the index lists it,
 * so two batches never share a window.
 */
public final class WindowedHistory {
  /** The entity type every batch writes. */
  public static final String TYPE = "blob";

  private static final MediaType JSON = MediaType.get("application/json");

  private final OkHttpClient http;
  private final String url;
  private final Instant start;
  private final int entities;
  private final int valueBytes;
  private String indexOffset = "-1";
  private int indexed;

  /**
   * History for the state stream at {@code url}: batches of {@code entities} values of {@code
   * valueBytes} characters, batch {@code b} at {@code start + b} seconds.
   */
  public WindowedHistory(
      OkHttpClient http, String url, Instant start, int entities, int valueBytes) {
    requireNonNull(http, "http == null");
    // Without TCP_NODELAY a body written in two segments waits for the server's delayed ACK: 40 ms
    // a batch on Linux, most of the time a thousand batches take.
    this.http = http.newBuilder().socketFactory(new NoDelaySocketFactory()).build();
    this.url = requireNonNull(url, "url == null");
    this.start = requireNonNull(start, "start == null");
    if (entities < 1 || valueBytes < 8) throw new IllegalArgumentException("too small a batch");
    this.entities = entities;
    this.valueBytes = valueBytes;
  }

  /** The time every change of batch {@code batch} carries, and its keyframe. */
  public Instant time(int batch) {
    return start.plusSeconds(batch);
  }

  /** The JSON value batch {@code batch} gives entity {@code e<entity>}: a string. */
  public String value(int batch, int entity) {
    StringBuilder value = new StringBuilder(valueBytes + 2).append('"');
    String head = batch + "/" + entity + ":";
    value.append(head);
    for (int i = head.length(); i < valueBytes; i++) value.append((char) ('a' + (i + batch) % 26));
    return value.append('"').toString();
  }

  /**
   * Appends batches {@code from} (inclusive) to {@code to} (exclusive), each in one request, each
   * followed by its keyframe.
   *
   * @throws IOException if a request fails or the server does not write a batch's keyframe within
   *     30 s
   */
  public void write(int from, int to) throws IOException {
    if (indexed == 0) awaitIndexed(1); // the stream's initial keyframe
    for (int b = from; b < to; b++) {
      post(b);
      awaitIndexed(indexed + 1);
    }
  }

  /**
   * Appends batches from {@code from} on without waiting for their keyframes, so a window may hold
   * several batches, until the index lists {@code windows} keyframes after the initial one; returns
   * the batch after the last one written. Much faster than {@link #write} where many windows are
   * needed and their sizes do not matter.
   *
   * @throws IOException if a request fails or the server writes no keyframe for 30 s
   */
  public int writeUntilWindows(int from, int windows) throws IOException {
    if (indexed == 0) awaitIndexed(1);
    int b = from;
    while (indexed < windows + 1) {
      int missing = windows + 1 - indexed;
      for (int i = 0; i < missing; i++) post(b++);
      awaitIndexed(indexed + 1); // at least one more, then as many as there are
    }
    return b;
  }

  private void post(int b) throws IOException {
    StringBuilder body = new StringBuilder("[");
    for (int e = 0; e < entities; e++) {
      if (e > 0) body.append(',');
      body.append("{\"type\":\"")
          .append(TYPE)
          .append("\",\"key\":\"e")
          .append(e)
          .append("\",\"value\":")
          .append(value(b, e))
          .append(",\"headers\":{\"operation\":\"")
          .append(b == 0 ? "insert" : "update")
          .append("\",\"timestamp\":\"")
          .append(time(b))
          .append("\"}}");
    }
    body.append(']');
    Request post =
        new Request.Builder().url(url).post(RequestBody.create(body.toString(), JSON)).build();
    try (Response response = http.newCall(post).execute()) {
      if (!response.isSuccessful()) {
        throw new IOException("POST " + url + ": HTTP " + response.code());
      }
    }
  }

  /** Long-polls the keyframe index until it lists {@code count} keyframes. */
  private void awaitIndexed(int count) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (indexed < count) {
      if (System.nanoTime() > deadline) {
        throw new IOException("the index of " + url + " lists " + indexed + " of " + count);
      }
      Request poll =
          new Request.Builder()
              .url(url + ".keyframes?offset=" + indexOffset + "&live=long-poll")
              .build();
      try (Response response = http.newCall(poll).execute()) {
        if (response.code() == 204) continue; // the long-poll timed out with nothing new
        ResponseBody body = response.body();
        String next = response.header("Stream-Next-Offset");
        if (!response.isSuccessful() || next == null || body == null) {
          throw new IOException("GET " + url + ".keyframes: HTTP " + response.code());
        }
        indexed += count(body.string(), "\"offset\"");
        indexOffset = next;
      }
    }
  }

  /** Sockets with Nagle's algorithm off. */
  private static final class NoDelaySocketFactory extends SocketFactory {
    private final SocketFactory sockets = SocketFactory.getDefault();

    @Override
    public Socket createSocket() throws IOException {
      return noDelay(sockets.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return noDelay(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort)
        throws IOException {
      return noDelay(sockets.createSocket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return noDelay(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
        throws IOException {
      return noDelay(sockets.createSocket(host, port, local, localPort));
    }

    private static Socket noDelay(Socket socket) throws IOException {
      socket.setTcpNoDelay(true);
      return socket;
    }
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
    return n;
  }
}
