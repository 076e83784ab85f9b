package dev.rstream.benchmarks.sse;

import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import com.launchdarkly.eventsource.StreamClosedByServerException;
import com.launchdarkly.eventsource.StreamEvent;
import com.launchdarkly.logging.LDLogger;
import dev.rstream.internal.sse.ServerSentEventListener;
import dev.rstream.internal.sse.ServerSentEventReader;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.Set;
import okio.BufferedSource;
import okio.Okio;
import org.jspecify.annotations.Nullable;

/**
 * The three SSE parsers under test, each reading a whole stream from memory and handing every event
 * to a sink. Each is driven the way its library drives it on a live connection.
 */
public enum SseParser {
  /** rstream's {@link ServerSentEventReader} over an okio {@code BufferedSource}. */
  RSTREAM {
    @Override
    public int parse(RecordedStream stream, EventSink sink) throws IOException {
      BufferedSource source = source(stream);
      RstreamListener listener = new RstreamListener(sink);
      ServerSentEventReader reader = new ServerSentEventReader(source, listener);
      while (reader.processNextEvent()) {}
      return listener.events;
    }
  },

  /**
   * OkHttp's reader, {@code okhttp3.sse.internal.ServerSentEventReader}: internal but public in the
   * jar, and exactly what {@code EventSources} runs on a response body.
   */
  OKHTTP {
    @Override
    public int parse(RecordedStream stream, EventSink sink) throws IOException {
      BufferedSource source = source(stream);
      OkHttpCallback callback = new OkHttpCallback(sink);
      okhttp3.sse.internal.ServerSentEventReader reader =
          new okhttp3.sse.internal.ServerSentEventReader(source, callback);
      while (reader.processNextEvent()) {}
      return callback.events;
    }
  },

  /**
   * LaunchDarkly's {@code EventParser}, what its 4.x {@code EventSource} reads with, fed the way
   * {@code HttpConnectStrategy} feeds it: the response body's {@code byteStream()}, which is okio's
   * {@code BufferedSource.inputStream()}. The class is package-private, so it is reached through
   * method handles; constant handles inline like a direct call. Its read buffer is {@code
   * EventSource.DEFAULT_READ_BUFFER_SIZE}, the library default.
   */
  LAUNCHDARKLY {
    @Override
    public int parse(RecordedStream stream, EventSink sink) throws IOException {
      InputStream in = source(stream).inputStream();
      int events = 0;
      try {
        Object parser =
            (Object)
                LaunchDarklyParser.NEW.invokeExact(
                    in,
                    LaunchDarklyParser.ORIGIN,
                    EventSource.DEFAULT_READ_BUFFER_SIZE,
                    false,
                    (@Nullable Set<String>) null,
                    LaunchDarklyParser.LOGGER);
        while (true) {
          StreamEvent event;
          try {
            event = (StreamEvent) LaunchDarklyParser.NEXT_EVENT.invokeExact(parser);
          } catch (StreamClosedByServerException end) {
            return events;
          }
          if (event instanceof MessageEvent) {
            MessageEvent message = (MessageEvent) event;
            sink.event(message.getEventName(), message.getData(), message.getLastEventId());
            events++;
          }
        }
      } catch (IOException | RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IOException(e);
      }
    }
  };

  /** Parses the whole stream, returns the number of events the sink received. */
  public abstract int parse(RecordedStream stream, EventSink sink) throws IOException;

  /**
   * The simulated response body every parser reads, as OkHttp hands it out: a {@code
   * BufferedSource} over the connection's input stream ({@code Okio.source(InputStream)} is the
   * adapter okio puts on a socket).
   */
  private static BufferedSource source(RecordedStream stream) {
    MemoryInputStream connection = new MemoryInputStream(stream.bytes(), stream.maxBytesPerRead());
    return Okio.buffer(Okio.source(connection));
  }

  private static final class RstreamListener implements ServerSentEventListener {
    private final EventSink sink;
    int events;

    RstreamListener(EventSink sink) {
      this.sink = sink;
    }

    @Override
    public void onEvent(String type, String data, @Nullable String lastEventId) {
      sink.event(type, data, lastEventId);
      events++;
    }
  }

  private static final class OkHttpCallback
      implements okhttp3.sse.internal.ServerSentEventReader.Callback {
    private final EventSink sink;
    int events;

    OkHttpCallback(EventSink sink) {
      this.sink = sink;
    }

    @Override
    public void onEvent(@Nullable String id, @Nullable String type, String data) {
      sink.event(type != null ? type : "message", data, id);
      events++;
    }

    @Override
    public void onRetryChange(long timeMs) {}
  }

  /** Method handles on LaunchDarkly's package-private parser, resolved once. */
  private static final class LaunchDarklyParser {
    static final URI ORIGIN = URI.create("http://localhost/stream");
    static final LDLogger LOGGER = LDLogger.none();
    static final MethodHandle NEW;
    static final MethodHandle NEXT_EVENT;

    static {
      try {
        Class<?> type = Class.forName("com.launchdarkly.eventsource.EventParser");
        Constructor<?> constructor =
            type.getDeclaredConstructor(
                InputStream.class, URI.class, int.class, boolean.class, Set.class, LDLogger.class);
        constructor.setAccessible(true);
        Method nextEvent = type.getDeclaredMethod("nextEvent");
        nextEvent.setAccessible(true);
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        NEW =
            lookup
                .unreflectConstructor(constructor)
                .asType(
                    MethodType.methodType(
                        Object.class,
                        InputStream.class,
                        URI.class,
                        int.class,
                        boolean.class,
                        Set.class,
                        LDLogger.class));
        NEXT_EVENT =
            lookup
                .unreflect(nextEvent)
                .asType(MethodType.methodType(StreamEvent.class, Object.class));
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }
}
