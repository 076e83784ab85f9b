package dev.rstream.server;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import okhttp3.Call;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * Reads one SSE response on its own thread into a queue of events; comments become {@code
 * ":comment"} events and the end of the response an {@code "<end>"} event.
 */
final class SseEvents implements AutoCloseable {
  record Event(String name, String data) {}

  static final Event END = new Event("<end>", "");

  final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  final Response response;
  private final Call call;
  private final Thread reader;

  SseEvents(Http http, String pathAndQuery) throws IOException {
    call =
        http.client.newCall(new Request.Builder().url(http.server.streamUrl(pathAndQuery)).build());
    response = call.execute();
    reader = new Thread(this::read, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try {
      BufferedSource source = response.body().source();
      String name = "message";
      StringBuilder data = null;
      String line;
      while ((line = source.readUtf8Line()) != null) {
        if (line.isEmpty()) {
          if (data != null) events.add(new Event(name, data.toString()));
          name = "message";
          data = null;
        } else if (line.startsWith(":")) {
          events.add(new Event(":comment", line.substring(1)));
        } else if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          String value = line.substring(5);
          if (value.startsWith(" ")) value = value.substring(1);
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
      }
    } catch (IOException e) {
      // Canceled by close(), or the server went away: both end the stream for the test.
    }
    events.add(END);
  }

  /** The next event that is not a heartbeat comment, waiting up to 5 s. */
  Event next() throws InterruptedException {
    while (true) {
      Event event = events.poll(5, SECONDS);
      if (event == null) throw new AssertionError("no SSE event within 5 s");
      if (!event.name().equals(":comment")) return event;
    }
  }

  /** The next event of any kind, comments included, waiting up to 5 s. */
  Event nextRaw() throws InterruptedException {
    Event event = events.poll(5, SECONDS);
    if (event == null) throw new AssertionError("no SSE line within 5 s");
    return event;
  }

  @Override
  public void close() {
    call.cancel();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    response.close();
  }
}
