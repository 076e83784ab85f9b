package dev.rstream.server.http;

import dev.rstream.server.storage.StreamMeta;
import dev.rstream.server.write.JsonMessages;
import dev.rstream.server.write.MediaTypes;
import dev.rstream.server.write.Producer;
import dev.rstream.server.write.StreamWriter;
import dev.rstream.server.write.WriteRejectedException;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * POST: appends one unit to a stream, closes it, or both (spec 5.2, 5.3), with idempotent producers
 * (spec 5.2.1). Answers once the unit is durable: 204, or 200 for a producer write that appended
 * data.
 */
final class AppendHandler implements StreamOperation {
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  private final StreamWriter writer;
  private final RequestBodies bodies;

  AppendHandler(StreamWriter writer, RequestBodies bodies) {
    this.writer = writer;
    this.bodies = bodies;
  }

  @Override
  public void handle(Request request, Response response, Callback callback, String path)
      throws HttpError {
    HttpFields in = request.getHeaders();
    Producer producer = producer(in, path);
    boolean close = HeaderValues.isTrue(in.get("Stream-Closed"));
    String contentType = in.get(HttpHeader.CONTENT_TYPE);
    String streamSeq = in.get("Stream-Seq");
    StreamMeta meta = writer.liveMeta(path, true);
    if (meta == null) {
      throw HttpError.notFound(path);
    }
    bodies.read(
        request,
        response,
        callback,
        path,
        body -> {
          List<byte[]> messages = messages(body, path, meta, contentType, close, producer);
          writer
              .append(
                  new StreamWriter.AppendRequest(
                      path, contentType, messages, close, streamSeq, producer))
              .whenComplete(
                  (outcome, error) -> {
                    if (error != null) {
                      ErrorResponses.write(
                          request, response, callback, WriteFailures.toHttpError(error, path));
                    } else {
                      appended(response, callback, outcome, producer, messages.isEmpty());
                    }
                  });
        });
  }

  /** The body as messages: none for a close, one per element of a JSON array, else one. */
  private static List<byte[]> messages(
      byte[] body,
      String path,
      StreamMeta meta,
      @Nullable String contentType,
      boolean close,
      @Nullable Producer producer)
      throws HttpError, WriteRejectedException {
    if (body.length == 0) {
      if (!close) {
        throw HttpError.badRequest(
            "empty_body", "an append to " + path + " needs a body (or Stream-Closed: true)");
      }
      return List.of();
    }
    if (contentType == null) {
      throw HttpError.badRequest(
          "missing_content_type", "an append to " + path + " needs a Content-Type");
    }
    if (meta.closed() && producer == null) {
      // Spec 5.2 precedence: closed before content type and body checks.
      throw WriteFailures.closed(path, meta.incarnation(), meta.tailPosition());
    }
    if (MediaTypes.isJson(contentType) && MediaTypes.isJson(meta.contentType())) {
      List<byte[]> messages = JsonMessages.split(body, path);
      if (messages.isEmpty()) {
        throw HttpError.badRequest(
            "empty_json_array", "an empty JSON array appends nothing to " + path + " (spec 9.1.3)");
      }
      return messages;
    }
    return List.of(body);
  }

  private static void appended(
      Response response,
      Callback callback,
      StreamWriter.AppendOutcome outcome,
      @Nullable Producer producer,
      boolean closeOnly) {
    HttpFields.Mutable out = response.getHeaders();
    if (!outcome.duplicate() || outcome.closed()) {
      out.put("Stream-Next-Offset", Offset.format(outcome.incarnation(), outcome.tail()));
    }
    if (outcome.closed()) {
      out.put("Stream-Closed", "true");
    }
    int status = 204;
    if (producer != null) {
      out.put("Producer-Epoch", Long.toString(producer.epoch()));
      out.put("Producer-Seq", String.valueOf(outcome.producerSeq()));
      // 200 says "your data is in"; a close-only or a duplicate appended none.
      status = outcome.duplicate() || closeOnly ? 204 : 200;
    }
    response.setStatus(status);
    response.write(true, null, callback);
  }

  /** The longest {@code Producer-Id} accepted, in UTF-8 bytes. */
  static final int MAX_PRODUCER_ID_BYTES = 256;

  /** The {@code Producer-*} headers (spec 5.2.1): all three or none. */
  private static @Nullable Producer producer(HttpFields in, String path) throws HttpError {
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
    // Every unit stores its producer's id, and every stream keeps one state per id.
    if (id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PRODUCER_ID_BYTES) {
      throw HttpError.badRequest(
          "invalid_producer_headers",
          "Producer-Id is longer than "
              + MAX_PRODUCER_ID_BYTES
              + " bytes (append to "
              + path
              + ")");
    }
    return new Producer(
        id, producerNumber("Producer-Epoch", epoch), producerNumber("Producer-Seq", seq));
  }

  private static long producerNumber(String name, String value) throws HttpError {
    long number = HeaderValues.unsignedDecimal(value, 16, true);
    if (number < 0 || number > MAX_SAFE_INTEGER) {
      throw HttpError.badRequest(
          "invalid_producer_headers",
          name + " must be a decimal integer between 0 and 2^53-1, got " + value);
    }
    return number;
  }
}
