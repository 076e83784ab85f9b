package dev.rstream.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rstream.server.state.OffsetFormat;
import dev.rstream.server.state.Rfc3339;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.state.UnitAppender;
import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import dev.rstream.server.write.JsonMessages;
import dev.rstream.server.write.MediaTypes;
import dev.rstream.server.write.Producer;
import dev.rstream.server.write.StreamWriter;
import dev.rstream.server.write.WriteRejectedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Durable Streams protocol on {@code /v1/stream/{path}} (spec section 5): PUT create, POST
 * append/close, GET catch-up, long-poll and SSE reads, HEAD metadata, DELETE. Forks (4.2) and the
 * reserved subscription APIs (6, 7) are answered 501.
 *
 * <p>Asynchronous: request bodies are read asynchronously, answers to writes are sent when the
 * store's durability future completes, and live reads park in {@link LiveReads}; {@link #handle}
 * returns without waiting for any of them. It is still declared blocking (Jetty runs it on a pool
 * thread, never on a selector) because a file store's read touches the disk and a state stream's
 * creation waits for its first keyframe.
 */
public final class StreamHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(StreamHandler.class);

  /** How offsets are spelled; the conventions need it for keyframe index entries. */
  public static final OffsetFormat OFFSETS = Offset::format;

  /** Where streams live. */
  public static final String PREFIX = "/v1/stream/";

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final Pattern TTL = Pattern.compile("0|[1-9][0-9]{0,17}");
  private static final Pattern PRODUCER_NUMBER = Pattern.compile("[0-9]{1,16}");
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  private static final String ALLOW_HEADERS =
      "Content-Type, Authorization, If-None-Match, Stream-Seq, Stream-TTL, Stream-Expires-At,"
          + " Stream-Closed, Producer-Id, Producer-Epoch, Producer-Seq, Rstream-Keyframes";
  private static final String EXPOSE_HEADERS =
      "Stream-Next-Offset, Stream-Cursor, Stream-Up-To-Date, Stream-Closed, Stream-TTL,"
          + " Stream-Expires-At, Stream-SSE-Data-Encoding, Producer-Epoch, Producer-Seq,"
          + " Producer-Expected-Seq, Producer-Received-Seq, ETag, Location, Content-Type,"
          + " Content-Encoding, Vary";

  private final StreamWriter writer;
  private final StreamConventions conventions;
  private final ReadContext reads;

  StreamHandler(StreamWriter writer, StreamConventions conventions, ReadContext reads) {
    this.writer = writer;
    this.conventions = conventions;
    this.reads = reads;
  }

  /**
   * Creates the handler and registers its live-read wake-ups on the store. Package {@code http}
   * keeps its classes internal; {@code StubServer} builds the server through this factory.
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
    StreamWriter writer = new StreamWriter(store, conventions, OFFSETS, clock);
    ReadContext reads = new ReadContext(store, live, executor, timer, settings, clock);
    LogStore.TailListener listener =
        (path, tail, closed, deleted) -> {
          writer.onTail(path, deleted);
          live.onTail(path, tail, closed, deleted);
        };
    return new Wiring(
        new StreamHandler(writer, conventions, reads),
        writer,
        listener,
        live::count,
        writer::sweepExpired);
  }

  /**
   * What {@link #wire} built.
   *
   * @param handler the Jetty handler to install
   * @param appender the append path, to pass to {@link StreamConventions#start}
   * @param tailListener to register with {@code LogStore.addTailListener}
   * @param liveReaders how many long-polls and SSE sessions are waiting right now
   * @param expirySweep deletes streams whose TTL or expiry passed; run it now and then
   */
  public record Wiring(
      StreamHandler handler,
      UnitAppender appender,
      LogStore.TailListener tailListener,
      IntSupplier liveReaders,
      Runnable expirySweep) {}

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    HttpFields.Mutable headers = response.getHeaders();
    securityHeaders(headers);
    String method = request.getMethod();
    try {
      if (method.equals("OPTIONS")) {
        headers.put("Access-Control-Max-Age", "86400");
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
            501, "not_implemented", "the subscription APIs (spec sections 6 and 7) are not implemented");
      }
      switch (method) {
        case "PUT" -> create(request, response, callback, path);
        case "POST" -> append(request, response, callback, path);
        case "GET" -> read(request, response, callback, path);
        case "HEAD" -> head(response, callback, path);
        case "DELETE" -> delete(request, response, callback, path);
        default -> {
          headers.put(HttpHeader.ALLOW, "GET, POST, PUT, DELETE, HEAD, OPTIONS");
          throw new HttpError(405, "method_not_allowed", method + " is not a stream operation");
        }
      }
    } catch (HttpError e) {
      writeError(request, response, callback, e);
    } catch (RuntimeException e) {
      log.error("{} {} failed", method, request.getHttpURI(), e);
      writeError(
          request, response, callback, new HttpError(500, "internal_error", "internal error: " + e));
    }
    return true;
  }

  /** CORS for browser clients and the browser security headers of spec 12.7, on every answer. */
  static void securityHeaders(HttpFields.Mutable headers) {
    headers.put("Access-Control-Allow-Origin", "*");
    headers.put("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS");
    headers.put("Access-Control-Allow-Headers", ALLOW_HEADERS);
    headers.put("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Cross-Origin-Resource-Policy", "cross-origin");
  }

  // ---------------------------------------------------------------- create (spec 5.1)

  private void create(Request request, Response response, Callback callback, String path)
      throws HttpError {
    HttpFields in = request.getHeaders();
    if (in.contains("Stream-Forked-From")
        || in.contains("Stream-Fork-Offset")
        || in.contains("Stream-Fork-Sub-Offset")) {
      throw new HttpError(501, "not_implemented", "stream forks (spec 4.2) are not implemented");
    }
    String contentType = in.get(HttpHeader.CONTENT_TYPE);
    contentType =
        MediaTypes.isValid(contentType)
            ? contentType.trim().toLowerCase(Locale.ROOT)
            : MediaTypes.OCTET_STREAM;
    String ttlHeader = in.get("Stream-TTL");
    String expiresHeader = in.get("Stream-Expires-At");
    if (ttlHeader != null && expiresHeader != null) {
      throw HttpError.badRequest(
          "invalid_expiry", "Stream-TTL and Stream-Expires-At are exclusive (stream " + path + ")");
    }
    Long ttl = null;
    if (ttlHeader != null) {
      if (!TTL.matcher(ttlHeader).matches()) {
        throw HttpError.badRequest(
            "invalid_ttl",
            "Stream-TTL must be a non-negative decimal integer without sign or leading zeros, got "
                + ttlHeader);
      }
      ttl = Long.parseLong(ttlHeader);
    }
    Long expiresAt = null;
    if (expiresHeader != null) {
      try {
        expiresAt = Rfc3339.parse(expiresHeader.trim()).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw HttpError.badRequest(
            "invalid_expires_at", "Stream-Expires-At is not an RFC 3339 timestamp: " + expiresHeader);
      }
    }
    String policy = null;
    String keyframes = in.get("Rstream-Keyframes");
    if (keyframes != null) {
      try {
        policy = conventions.normalisePolicy(keyframes);
      } catch (IllegalArgumentException e) {
        throw HttpError.badRequest("invalid_keyframe_policy", e.getMessage());
      }
    }
    boolean closed = isTrue(in.get("Stream-Closed"));
    String type = contentType;
    Long ttlSeconds = ttl;
    Long expiresAtMillis = expiresAt;
    String keyframePolicy = policy;
    readBody(
        request,
        response,
        callback,
        path,
        body -> {
          List<byte[]> messages =
              MediaTypes.isJson(type)
                  ? JsonMessages.split(body, path)
                  : body.length == 0 ? List.of() : List.of(body);
          CompletableFuture<StreamWriter.CreateOutcome> created =
              writer.create(
                  new StreamWriter.CreateRequest(
                      path, type, ttlSeconds, expiresAtMillis, keyframePolicy, closed, messages));
          created.whenComplete(
              (outcome, error) -> {
                if (error != null) {
                  writeFailure(request, response, callback, path, error);
                  return;
                }
                HttpFields.Mutable out = response.getHeaders();
                out.put(HttpHeader.CONTENT_TYPE, outcome.meta().contentType());
                out.put(
                    "Stream-Next-Offset",
                    Offset.format(outcome.meta().incarnation(), outcome.tail()));
                if (outcome.closed()) {
                  out.put("Stream-Closed", "true");
                }
                if (outcome.created()) {
                  out.put(HttpHeader.LOCATION, request.getHttpURI().asString());
                }
                response.setStatus(outcome.created() ? 201 : 200);
                response.write(true, null, callback);
              });
        });
  }

  // ---------------------------------------------------------------- append and close (spec 5.2, 5.3)

  private void append(Request request, Response response, Callback callback, String path)
      throws HttpError {
    HttpFields in = request.getHeaders();
    Producer producer = producer(in, path);
    boolean close = isTrue(in.get("Stream-Closed"));
    String contentType = in.get(HttpHeader.CONTENT_TYPE);
    String streamSeq = in.get("Stream-Seq");
    StreamMeta meta = writer.liveMeta(path, true);
    if (meta == null) {
      throw HttpError.notFound(path);
    }
    readBody(
        request,
        response,
        callback,
        path,
        body -> {
          List<byte[]> messages;
          if (body.length == 0) {
            if (!close) {
              throw HttpError.badRequest(
                  "empty_body", "an append to " + path + " needs a body (or Stream-Closed: true)");
            }
            messages = List.of();
          } else {
            if (contentType == null) {
              throw HttpError.badRequest(
                  "missing_content_type", "an append to " + path + " needs a Content-Type");
            }
            if (meta.closed() && producer == null) {
              // Spec 5.2 precedence: closed before content type and body checks.
              throw WriteFailures.closed(path, meta.incarnation(), meta.tailPosition());
            }
            if (MediaTypes.isJson(contentType) && MediaTypes.isJson(meta.contentType())) {
              messages = JsonMessages.split(body, path);
              if (messages.isEmpty()) {
                throw HttpError.badRequest(
                    "empty_json_array", "an empty JSON array appends nothing to " + path + " (spec 9.1.3)");
              }
            } else {
              messages = List.of(body);
            }
          }
          writer
              .append(
                  new StreamWriter.AppendRequest(
                      path, contentType, messages, close, streamSeq, producer))
              .whenComplete(
                  (outcome, error) -> {
                    if (error != null) {
                      writeFailure(request, response, callback, path, error);
                      return;
                    }
                    HttpFields.Mutable out = response.getHeaders();
                    if (!outcome.duplicate() || outcome.closed()) {
                      out.put(
                          "Stream-Next-Offset",
                          Offset.format(outcome.incarnation(), outcome.tail()));
                    }
                    if (outcome.closed()) {
                      out.put("Stream-Closed", "true");
                    }
                    int status = 204;
                    if (producer != null) {
                      out.put("Producer-Epoch", Long.toString(producer.epoch()));
                      out.put("Producer-Seq", String.valueOf(outcome.producerSeq()));
                      // 200 says "your data is in"; a close-only or a duplicate appended none.
                      status = outcome.duplicate() || messages.isEmpty() ? 204 : 200;
                    }
                    response.setStatus(status);
                    response.write(true, null, callback);
                  });
        });
  }

  private static @Nullable Producer producer(HttpFields in, String path)
      throws HttpError {
    String id = in.get("Producer-Id");
    String epoch = in.get("Producer-Epoch");
    String seq = in.get("Producer-Seq");
    if (id == null && epoch == null && seq == null) {
      return null;
    }
    if (id == null || epoch == null || seq == null) {
      throw HttpError.badRequest(
          "invalid_producer_headers",
          "Producer-Id, Producer-Epoch and Producer-Seq go together (append to " + path + ")");
    }
    if (id.isEmpty()) {
      throw HttpError.badRequest("invalid_producer_headers", "Producer-Id must not be empty");
    }
    return new Producer(
        id, producerNumber("Producer-Epoch", epoch), producerNumber("Producer-Seq", seq));
  }

  private static long producerNumber(String name, String value) throws HttpError {
    if (!PRODUCER_NUMBER.matcher(value).matches() || Long.parseLong(value) > MAX_SAFE_INTEGER) {
      throw HttpError.badRequest(
          "invalid_producer_headers",
          name + " must be a decimal integer between 0 and 2^53-1, got " + value);
    }
    return Long.parseLong(value);
  }

  // ---------------------------------------------------------------- reads (spec 5.6 - 5.8)

  private void read(Request request, Response response, Callback callback, String path)
      throws HttpError {
    Fields query = Request.extractQueryParameters(request);
    List<String> offsets = query.getValues("offset");
    if (offsets != null && offsets.size() > 1) {
      throw HttpError.badRequest("invalid_offset", "more than one offset parameter");
    }
    String offset = offsets == null || offsets.isEmpty() ? null : offsets.get(0);
    String live = query.getValue("live");
    String cursor = query.getValue("cursor");
    if (live != null && !live.equals("long-poll") && !live.equals("sse")) {
      throw HttpError.badRequest("invalid_live", "live must be long-poll or sse, got " + live);
    }
    if (offset != null && offset.isEmpty()) {
      throw HttpError.badRequest("invalid_offset", "empty offset parameter");
    }
    if (live != null && offset == null) {
      throw HttpError.badRequest("missing_offset", "live=" + live + " needs an offset parameter");
    }
    Offset parsed = null;
    if (offset != null && !offset.equals("-1") && !offset.equals("now")) {
      parsed = Offset.parse(offset);
      if (parsed == null) {
        throw HttpError.badRequest(
            "invalid_offset", "offset " + offset + " was not issued by this server");
      }
    }
    StreamMeta meta = writer.liveMeta(path, true);
    if (meta == null) {
      throw HttpError.notFound(path);
    }
    if (parsed != null && parsed.incarnation() != meta.incarnation()) {
      throw new HttpError(
          410,
          "offset_gone",
          "offset " + offset + " belongs to an earlier stream at " + path
              + " (deleted and created again); read again from -1");
    }
    boolean now = "now".equals(offset);
    long position = now ? meta.tailPosition() : parsed == null ? 0 : parsed.position();
    if (now && live == null) {
      // Spec 8: the tail, no data, not cacheable, no ETag.
      HttpFields.Mutable out = response.getHeaders();
      out.put(HttpHeader.CONTENT_TYPE, meta.contentType());
      out.put("Stream-Next-Offset", Offset.format(meta.incarnation(), position));
      out.put("Stream-Up-To-Date", "true");
      out.put(HttpHeader.CACHE_CONTROL, "no-store");
      if (meta.closed()) {
        out.put("Stream-Closed", "true");
      }
      response.setStatus(200);
      byte[] body = ReadBodies.of(List.of(), MediaTypes.isJson(meta.contentType()));
      response.write(true, ByteBuffer.wrap(body), callback);
      return;
    }
    ReadResult first;
    try {
      first = reads.store.read(path, position, reads.settings.maxReadBytes());
    } catch (NoSuchStreamException e) {
      throw HttpError.notFound(path);
    } catch (InvalidPositionException e) {
      throw HttpError.badRequest(
          "invalid_offset", "offset " + offset + " is not a position in stream " + path);
    }
    if ("sse".equals(live)) {
      HttpFields.Mutable out = response.getHeaders();
      out.put(HttpHeader.CONTENT_TYPE, "text/event-stream");
      out.put(HttpHeader.CACHE_CONTROL, "no-cache");
      out.put("X-Accel-Buffering", "no");
      if (!MediaTypes.isTextual(meta.contentType())) {
        out.put("Stream-SSE-Data-Encoding", "base64");
      }
      response.setStatus(200);
      new SseSession(reads, response, callback, meta, position, cursor).start(request);
      return;
    }
    if ("long-poll".equals(live) && first.messages().isEmpty()) {
      if (first.closed()) {
        writeNoContent(reads, response, callback, meta, position, true, null);
      } else {
        new LongPollRead(reads, request, response, callback, meta, position, cursor).start();
      }
      return;
    }
    writeData(
        reads,
        request,
        response,
        callback,
        meta,
        position,
        live == null ? ReadBodies.endAtNextKeyframe(first, meta) : first,
        live == null ? null : Cursor.next(cursor, reads.clock.getAsLong()));
  }

  /** A 200 read answer (catch-up or long-poll) with its body, or 304 when the ETag matches. */
  static void writeData(
      ReadContext reads,
      Request request,
      Response response,
      Callback callback,
      StreamMeta meta,
      long start,
      ReadResult read,
      @Nullable String cursor) {
    boolean closedAtTail = read.closed() && read.upToDate();
    String next = Offset.format(meta.incarnation(), read.nextPosition());
    // The incarnation is in both offsets: a re-created stream never matches an old ETag.
    String etag =
        "\"" + Offset.format(meta.incarnation(), start) + ":" + next + (closedAtTail ? ":c" : "") + "\"";
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.ETAG, etag);
    out.put(HttpHeader.CACHE_CONTROL, cacheControl(reads, meta, read));
    if (cursor != null) {
      out.put("Stream-Cursor", cursor);
    }
    out.put("Stream-Next-Offset", next);
    if (read.upToDate()) {
      out.put("Stream-Up-To-Date", "true");
    }
    if (closedAtTail) {
      out.put("Stream-Closed", "true");
    }
    String ifNoneMatch = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      response.setStatus(304);
      response.write(true, null, callback);
      return;
    }
    out.put(HttpHeader.CONTENT_TYPE, meta.contentType());
    if (MediaTypes.essence(meta.contentType()).equals(MediaTypes.OCTET_STREAM)) {
      // Spec 12.7: a browser that navigates to a binary stream saves it instead of rendering it.
      out.put(HttpHeader.CONTENT_DISPOSITION, "attachment");
    }
    response.setStatus(200);
    response.write(
        true, ByteBuffer.wrap(ReadBodies.of(read, MediaTypes.isJson(meta.contentType()))), callback);
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.trim();
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(etag) || tag.equals("*")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A range that ends below the tail, or at the tail of a closed stream, can never change: cache
   * it for good (unless the stream expires). A range at the open tail grows with the next append:
   * shared caches may keep it briefly (spec 10.1), and clients move to live reads there anyway.
   */
  private static String cacheControl(ReadContext reads, StreamMeta meta, ReadResult read) {
    String scope = reads.settings.bearerToken() == null ? "public" : "private";
    boolean expires = meta.ttlSeconds() != null || meta.expiresAtMillis() != null;
    boolean settled = !read.upToDate() || read.closed();
    if (settled && !expires) {
      return scope + ", max-age=31536000, immutable";
    }
    return scope + ", max-age=60, stale-while-revalidate=300";
  }

  /**
   * A long-poll timeout may be shared for one long-poll period. A cache that collapses waiting
   * readers (nginx {@code proxy_cache_lock}) hands a cacheable answer to all of them at once, but
   * lets an uncacheable one through to the origin one waiter at a time: with {@code no-store},
   * every timeout would turn a thousand collapsed readers into a thousand serial long-polls. It
   * is safe (spec 10.1): the cache key holds the offset and the cursor, and this answer carries a
   * newer cursor, so a reader that gets it from the cache moves on to a new key at once and
   * cannot loop on it.
   */
  private static String timeoutCacheControl(ReadContext reads) {
    String scope = reads.settings.bearerToken() == null ? "public" : "private";
    long seconds = Math.max(1, (reads.settings.longPollTimeoutMillis() + 999) / 1000);
    return scope + ", max-age=" + seconds;
  }

  /** A 204 long-poll answer: timeout, or the stream closed at the reader's position. */
  static void writeNoContent(
      ReadContext reads,
      Response response,
      Callback callback,
      StreamMeta meta,
      long position,
      boolean closed,
      @Nullable String cursor) {
    HttpFields.Mutable out = response.getHeaders();
    out.put("Stream-Next-Offset", Offset.format(meta.incarnation(), position));
    out.put("Stream-Up-To-Date", "true");
    out.put(HttpHeader.CACHE_CONTROL, closed || cursor == null ? "no-store" : timeoutCacheControl(reads));
    if (closed) {
      out.put("Stream-Closed", "true");
    } else if (cursor != null) {
      out.put("Stream-Cursor", cursor);
    }
    response.setStatus(204);
    response.write(true, null, callback);
  }

  // ---------------------------------------------------------------- metadata and delete (5.4, 5.5)

  private void head(Response response, Callback callback, String path) throws HttpError {
    StreamMeta meta = writer.liveMeta(path, false);
    if (meta == null) {
      throw HttpError.notFound(path);
    }
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.CONTENT_TYPE, meta.contentType());
    out.put("Stream-Next-Offset", Offset.format(meta.incarnation(), meta.tailPosition()));
    out.put(HttpHeader.CACHE_CONTROL, "no-store");
    if (meta.ttlSeconds() != null) {
      out.put("Stream-TTL", Long.toString(meta.ttlSeconds()));
    }
    if (meta.expiresAtMillis() != null) {
      out.put("Stream-Expires-At", Rfc3339.formatMillis(Instant.ofEpochMilli(meta.expiresAtMillis())));
    }
    if (meta.closed()) {
      out.put("Stream-Closed", "true");
    }
    response.setStatus(200);
    response.write(true, null, callback);
  }

  private void delete(Request request, Response response, Callback callback, String path)
      throws HttpError {
    if (writer.liveMeta(path, false) == null) {
      throw HttpError.notFound(path);
    }
    CompletableFuture<Void> deleted;
    try {
      deleted = writer.delete(path);
    } catch (WriteRejectedException e) {
      throw WriteFailures.toHttpError(e);
    }
    deleted.whenComplete(
            (ignored, error) -> {
              if (error != null) {
                writeFailure(request, response, callback, path, error);
                return;
              }
              response.setStatus(204);
              response.write(true, null, callback);
            });
  }

  // ---------------------------------------------------------------- bodies and errors

  private interface BodyConsumer {
    void accept(byte[] body) throws HttpError, WriteRejectedException;
  }

  /**
   * Reads the whole request body without blocking, then hands it on. A body over the limit is a
   * 413 (checked on Content-Length first, so most are refused before a byte is read); a client
   * that goes away mid-body fails the exchange, and nothing is appended.
   */
  private void readBody(
      Request request, Response response, Callback callback, String path, BodyConsumer next)
      throws HttpError {
    int max = reads.settings.maxBodyBytes();
    long length = request.getLength();
    if (length > max) {
      throw tooLarge(path, max);
    }
    // BLOCKING: the continuation parses JSON and may wait for a state stream's first keyframe,
    // so Jetty must run it on a pool thread, never on the selector that read the last bytes.
    Content.Source.asByteArrayAsync(
        request,
        max,
        Promise.Invocable.from(
            Invocable.InvocationType.BLOCKING,
            (byte[] body, Throwable error) -> {
              try {
                if (error != null) {
                  if (Request.getContentBytesRead(request) > max
                      || WriteFailures.cause(error) instanceof IllegalArgumentException) {
                    throw tooLarge(path, max);
                  }
                  callback.failed(WriteFailures.cause(error));
                  return;
                }
                next.accept(body);
              } catch (HttpError e) {
                writeError(request, response, callback, e);
              } catch (WriteRejectedException e) {
                writeError(request, response, callback, WriteFailures.toHttpError(e));
              } catch (RuntimeException e) {
                log.error("{} {} failed", request.getMethod(), request.getHttpURI(), e);
                writeError(
                    request,
                    response,
                    callback,
                    new HttpError(500, "internal_error", "internal error: " + e));
              }
            }));
  }

  private static HttpError tooLarge(String path, int max) {
    return new HttpError(413, "body_too_large", "body for " + path + " is over " + max + " bytes");
  }

  private static void writeFailure(
      Request request, Response response, Callback callback, String path, Throwable error) {
    Throwable cause = WriteFailures.cause(error);
    if (cause instanceof HttpError httpError) {
      writeError(request, response, callback, httpError);
    } else if (cause instanceof WriteRejectedException rejected) {
      writeError(request, response, callback, WriteFailures.toHttpError(rejected));
    } else if (cause instanceof NoSuchStreamException) {
      writeError(request, response, callback, HttpError.notFound(path));
    } else {
      log.error("write to {} failed", path, cause);
      writeError(
          request,
          response,
          callback,
          new HttpError(503, "storage_failed", "storage failed for stream " + path + ": " + cause)
              .header("Retry-After", "1"));
    }
  }

  /** Writes {@code error} as {@code {"error":{"code":..,"message":..}}}. */
  static void writeError(Request request, Response response, Callback callback, HttpError error) {
    if (response.isCommitted()) {
      callback.failed(error);
      return;
    }
    HttpFields.Mutable out = response.getHeaders();
    for (String name : List.of("ETag", "Stream-Next-Offset", "Stream-Up-To-Date", "Stream-Cursor")) {
      out.remove(name);
    }
    for (Map.Entry<String, String> header : error.headers.entrySet()) {
      out.put(header.getKey(), header.getValue());
    }
    out.put(HttpHeader.CONTENT_TYPE, "application/json");
    out.put(HttpHeader.CACHE_CONTROL, "no-store");
    response.setStatus(error.status);
    byte[] bytes = errorBody(error);
    response.write(true, request.getMethod().equals("HEAD") ? null : ByteBuffer.wrap(bytes), callback);
  }

  static byte[] errorBody(HttpError error) {
    Map<String, Object> body = new LinkedHashMap<>();
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", error.code);
    inner.put("message", error.getMessage());
    body.put("error", inner);
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      return "{\"error\":{\"code\":\"internal_error\",\"message\":\"\"}}".getBytes(StandardCharsets.UTF_8);
    }
  }

  private static boolean isTrue(@Nullable String value) {
    return value != null && value.trim().equalsIgnoreCase("true");
  }
}
