package dev.rstream.server.http;

import dev.rstream.server.state.OffsetFormat;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.state.UnitAppender;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.write.StreamWriter;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The Durable Streams protocol on {@code /v1/stream/{path}} (spec section 5): validates the path
 * and hands the request to the {@link StreamOperation} of its method: {@link CreateHandler} (PUT),
 * {@link AppendHandler} (POST), {@link ReadHandler} (GET), {@link HeadHandler}, {@link
 * DeleteHandler}. Forks (4.2) and the reserved subscription APIs (6, 7) are answered 501.
 *
 * <p>Asynchronous: request bodies are read asynchronously, answers to writes are sent when the
 * store's durability future completes, and live reads park in {@link LiveReads}; {@link #handle}
 * returns without waiting for any of them. It is still declared blocking (Jetty runs it on a pool
 * thread, never on a selector) because a file store's read touches the disk and a state stream's
 * creation waits for its first keyframe.
 */
public final class StreamHandler extends Handler.Abstract {
  /** How offsets are spelled; the conventions need it for keyframe index entries. */
  public static final OffsetFormat OFFSETS = Offset::format;

  /** Where streams live. */
  public static final String PREFIX = "/v1/stream/";

  private final Map<String, StreamOperation> operations;

  private StreamHandler(Map<String, StreamOperation> operations) {
    this.operations = operations;
  }

  /**
   * Creates the handler chain (CORS, security headers, the bearer-token check when {@code settings}
   * has a token, then the stream operations) and the live-read wake-ups to register on the store.
   * Package {@code http} keeps its classes internal; {@code StubServer} builds the server through
   * this factory.
   *
   * @return the handler and the {@code UnitAppender} the conventions must be started with
   */
  public static Wiring wire(
      LogStore store,
      StreamConventions conventions,
      Executor executor,
      ScheduledExecutorService timer,
      HttpSettings settings) {
    LiveReads live = new LiveReads(executor);
    LongSupplier clock = System::currentTimeMillis;
    StreamWriter writer =
        new StreamWriter(store, conventions, OFFSETS, clock, settings.producerIdleMillis());
    ReadContext reads = new ReadContext(store, live, executor, timer, settings, clock);
    RequestBodies bodies =
        new RequestBodies(settings.maxBodyBytes(), settings.maxBodiesInFlightBytes());
    Map<String, StreamOperation> operations =
        Map.of(
            "PUT", new CreateHandler(writer, conventions, bodies),
            "POST", new AppendHandler(writer, bodies),
            "GET", new ReadHandler(writer, reads),
            "HEAD", new HeadHandler(writer),
            "DELETE", new DeleteHandler(writer));
    LogStore.TailListener listener =
        (path, tail, closed, deleted) -> {
          writer.onTail(path, deleted);
          live.onTail(path, tail, closed, deleted);
        };
    Handler streams = new StreamHandler(operations);
    Supplier<@Nullable String> token = settings.bearerToken();
    Handler authorized = token == null ? streams : new BearerAuth(token, streams);
    Handler handler = CrossOrigin.in(new SecurityHeaders(authorized));
    return new Wiring(handler, writer, listener, live::count, writer::sweepExpired);
  }

  /**
   * What {@link #wire} built.
   *
   * @param handler the Jetty handler to install (it wraps the stream handler)
   * @param appender the append path, to pass to {@link StreamConventions#start}
   * @param tailListener to register with {@code LogStore.addTailListener}
   * @param liveReaders how many long-polls and SSE sessions are waiting right now
   * @param expirySweep deletes streams whose TTL or expiry passed; run it now and then
   */
  public record Wiring(
      Handler handler,
      UnitAppender appender,
      LogStore.TailListener tailListener,
      IntSupplier liveReaders,
      Runnable expirySweep) {}

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String method = request.getMethod();
    try {
      if (method.equals("OPTIONS")) {
        // A CORS preflight: CrossOrigin in front has added its answer's headers.
        response.setStatus(204);
        callback.succeeded();
        return true;
      }
      String rawPath = request.getHttpURI().getPath();
      if (rawPath == null || !rawPath.startsWith(PREFIX)) {
        throw new HttpError(
            404, "not_found", "no resource at " + rawPath + "; streams live under " + PREFIX);
      }
      String path = StreamPath.validateRaw(rawPath.substring(PREFIX.length()));
      if (path.startsWith("__ds/")) {
        throw new HttpError(
            501,
            "not_implemented",
            "the subscription APIs (spec sections 6 and 7) are not implemented");
      }
      StreamOperation operation = operations.get(method);
      if (operation == null) {
        response.getHeaders().put(HttpHeader.ALLOW, "GET, POST, PUT, DELETE, HEAD, OPTIONS");
        throw new HttpError(405, "method_not_allowed", method + " is not a stream operation");
      }
      operation.handle(request, response, callback, path);
    } catch (HttpError e) {
      ErrorResponses.write(request, response, callback, e);
    } catch (RuntimeException e) {
      HttpError damaged = WriteFailures.damaged(e);
      if (damaged != null) {
        ErrorResponses.write(request, response, callback, damaged);
      } else {
        ErrorResponses.writeInternal(request, response, callback, e);
      }
    }
    return true;
  }
}
