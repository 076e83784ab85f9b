package dev.rstream.server.http;

import dev.rstream.server.state.RetentionPolicy;
import dev.rstream.server.state.Rfc3339;
import dev.rstream.server.state.StreamConventions;
import dev.rstream.server.write.JsonMessages;
import dev.rstream.server.write.MediaTypes;
import dev.rstream.server.write.StreamWriter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * PUT: creates a stream, or confirms an identical one (spec 5.1), with its initial messages.
 * Answers 201 with {@code Location} for a new stream, 200 for an idempotent re-create, once the
 * creation is durable. Forks (spec 4.2) are answered 501.
 */
final class CreateHandler implements StreamOperation {
  private final StreamWriter writer;
  private final StreamConventions conventions;
  private final RequestBodies bodies;

  CreateHandler(StreamWriter writer, StreamConventions conventions, RequestBodies bodies) {
    this.writer = writer;
    this.conventions = conventions;
    this.bodies = bodies;
  }

  @Override
  public void handle(Request request, Response response, Callback callback, String path)
      throws HttpError {
    HttpFields in = request.getHeaders();
    if (in.contains("Stream-Forked-From")
        || in.contains("Stream-Fork-Offset")
        || in.contains("Stream-Fork-Sub-Offset")) {
      throw new HttpError(501, "not_implemented", "stream forks (spec 4.2) are not implemented");
    }
    String header = in.get(HttpHeader.CONTENT_TYPE);
    String contentType =
        MediaTypes.isValid(header)
            ? header.trim().toLowerCase(Locale.ROOT)
            : MediaTypes.OCTET_STREAM;
    String ttlHeader = in.get("Stream-TTL");
    String expiresHeader = in.get("Stream-Expires-At");
    if (ttlHeader != null && expiresHeader != null) {
      throw HttpError.badRequest(
          "invalid_expiry", "Stream-TTL and Stream-Expires-At are exclusive (stream " + path + ")");
    }
    Long ttlSeconds = ttlHeader == null ? null : ttlSeconds(ttlHeader);
    Long expiresAtMillis = expiresHeader == null ? null : expiresAtMillis(expiresHeader);
    String keyframes = in.get("Rstream-Keyframes");
    String keyframePolicy = keyframes == null ? null : keyframePolicy(keyframes);
    String retentionHeader = in.get(RetentionPolicy.HEADER);
    if (retentionHeader != null && keyframePolicy == null) {
      throw HttpError.badRequest(
          "invalid_retention",
          RetentionPolicy.HEADER
              + " needs Rstream-Keyframes: retention drops whole windows of a state stream");
    }
    String retention = keyframePolicy == null ? null : retention(retentionHeader);
    boolean closed = HeaderValues.isTrue(in.get("Stream-Closed"));
    bodies.read(
        request,
        response,
        callback,
        path,
        body -> {
          List<byte[]> messages =
              MediaTypes.isJson(contentType)
                  ? JsonMessages.split(body, path)
                  : body.length == 0 ? List.of() : List.of(body);
          writer
              .create(
                  new StreamWriter.CreateRequest(
                      path,
                      contentType,
                      ttlSeconds,
                      expiresAtMillis,
                      keyframePolicy,
                      retention,
                      closed,
                      messages))
              .whenComplete(
                  (outcome, error) -> {
                    if (error != null) {
                      ErrorResponses.write(
                          request, response, callback, WriteFailures.toHttpError(error, path));
                    } else {
                      created(request, response, callback, outcome);
                    }
                  });
        });
  }

  private static void created(
      Request request, Response response, Callback callback, StreamWriter.CreateOutcome outcome) {
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.CONTENT_TYPE, outcome.meta().contentType());
    out.put("Stream-Next-Offset", Offset.format(outcome.meta().incarnation(), outcome.tail()));
    if (outcome.closed()) {
      out.put("Stream-Closed", "true");
    }
    if (outcome.created()) {
      out.put(HttpHeader.LOCATION, request.getHttpURI().asString());
    }
    response.setStatus(outcome.created() ? 201 : 200);
    response.write(true, null, callback);
  }

  private static long ttlSeconds(String header) throws HttpError {
    long ttl = HeaderValues.unsignedDecimal(header, 18, false);
    if (ttl < 0) {
      throw HttpError.badRequest(
          "invalid_ttl",
          "Stream-TTL must be a non-negative decimal integer without sign or leading zeros, got "
              + header);
    }
    return ttl;
  }

  private static long expiresAtMillis(String header) throws HttpError {
    try {
      return Rfc3339.parse(header.trim()).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw HttpError.badRequest(
          "invalid_expires_at", "Stream-Expires-At is not an RFC 3339 timestamp: " + header);
    }
  }

  private @Nullable String retention(@Nullable String header) throws HttpError {
    try {
      return conventions.normaliseRetention(header);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("invalid_retention", String.valueOf(e.getMessage()));
    }
  }

  private String keyframePolicy(String header) throws HttpError {
    try {
      return conventions.normalisePolicy(header);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("invalid_keyframe_policy", String.valueOf(e.getMessage()));
    }
  }
}
