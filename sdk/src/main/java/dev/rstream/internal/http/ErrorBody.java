package dev.rstream.internal.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okhttp3.Response;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;

/**
 * What the body of a refusal says: the server's error code, if it sent one, and its explanation. A
 * body shaped {@code {"error":{"code":..,"message":..}}} (server-stub's, and the protocol's custom)
 * gives both; {@code {"error":".."}} and a top-level {@code {"code":..,"message":..}} are read the
 * same way; anything else (plain text, an HTML page from a proxy) is the message as it is, its
 * whitespace collapsed.
 *
 * <p>Bounded: at most {@link #MAX_BYTES} of the body are read, and a message longer than {@link
 * #MAX_TEXT} characters is cut there and marked; a shorter one is kept whole.
 */
final class ErrorBody {
  /** The most body bytes read: enough for any explanation, never a whole misrouted download. */
  static final int MAX_BYTES = 64 * 1024;

  /** The most characters of the server's message kept in an exception's message. */
  static final int MAX_TEXT = 4096;

  private static final JsonFactory JSON = new JsonFactory();
  private static final ErrorBody NONE = new ErrorBody(null, "");

  /** The server's machine-readable code, or null. */
  final @Nullable String code;

  /** The server's explanation, whitespace collapsed and bounded; empty when it sent none. */
  final String message;

  private ErrorBody(@Nullable String code, String message) {
    this.code = code;
    this.message = message;
  }

  /**
   * The body of {@code response}, read up to {@link #MAX_BYTES}; {@code secret} (a bearer token the
   * request presented), if not null, never appears in the result. Does not close the response.
   */
  static ErrorBody read(Response response, @Nullable String secret) {
    byte[] bytes;
    try {
      BufferedSource source = response.body().source();
      boolean more = source.request(MAX_BYTES);
      bytes = source.readByteArray(more ? MAX_BYTES : source.getBuffer().size());
    } catch (IOException | RuntimeException e) {
      return NONE; // the refusal is what matters; a body that breaks off only loses its detail
    }
    return parse(bytes, secret);
  }

  static ErrorBody parse(byte[] bytes, @Nullable String secret) {
    Fields fields = new Fields();
    if (startsAnObject(bytes)) {
      try {
        fields.read(bytes);
      } catch (IOException e) {
        // Malformed, or cut at MAX_BYTES: what was read before the fault still counts.
      }
    }
    String code = fields.code();
    String message = fields.message();
    if (code == null && message == null) message = new String(bytes, StandardCharsets.UTF_8);
    return new ErrorBody(
        code == null ? null : clean(code, secret), message == null ? "" : clean(message, secret));
  }

  /** {@code ": message [code]"}, {@code ": message"}, {@code ": [code]"} or empty. */
  String detail() {
    if (message.isEmpty() && code == null) return "";
    StringBuilder result = new StringBuilder(": ").append(message);
    if (code != null) result.append(message.isEmpty() ? "[" : " [").append(code).append(']');
    return result.toString();
  }

  private static boolean startsAnObject(byte[] bytes) {
    for (byte b : bytes) {
      if (b == '{') return true;
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
    }
    return false;
  }

  /**
   * The code and message of a JSON error body: those of its {@code error} member when it has one,
   * else its top-level {@code code} and {@code message}.
   */
  private static final class Fields {
    @Nullable String errorCode;
    @Nullable String errorMessage;
    @Nullable String topCode;
    @Nullable String topMessage;

    @Nullable String code() {
      return errorCode != null || errorMessage != null ? errorCode : topCode;
    }

    @Nullable String message() {
      return errorCode != null || errorMessage != null ? errorMessage : topMessage;
    }

    void read(byte[] bytes) throws IOException {
      try (JsonParser parser = JSON.createParser(bytes)) {
        if (parser.nextToken() != JsonToken.START_OBJECT) return;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          JsonToken value = parser.nextToken();
          if ("error".equals(name) && value == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
              String inner = parser.currentName();
              JsonToken innerValue = parser.nextToken();
              if ("code".equals(inner) && isText(innerValue)) {
                errorCode = parser.getText();
              } else if ("message".equals(inner) && isText(innerValue)) {
                errorMessage = parser.getText();
              } else {
                parser.skipChildren();
              }
            }
          } else if ("error".equals(name) && value == JsonToken.VALUE_STRING) {
            errorMessage = parser.getText();
          } else if ("code".equals(name) && isText(value)) {
            topCode = parser.getText();
          } else if ("message".equals(name) && isText(value)) {
            topMessage = parser.getText();
          } else {
            parser.skipChildren();
          }
        }
      }
    }
  }

  /** A value that reads as text: a string, number or boolean, not null or a structure. */
  private static boolean isText(JsonToken token) {
    return token.isScalarValue() && token != JsonToken.VALUE_NULL;
  }

  /** Whitespace collapsed, the secret removed, and cut (marked) past {@link #MAX_TEXT} chars. */
  private static String clean(String text, @Nullable String secret) {
    String result = text.replaceAll("\\s+", " ").trim();
    if (secret != null) result = HttpFailures.redact(result, secret);
    if (result.length() > MAX_TEXT) {
      int end = MAX_TEXT;
      if (Character.isHighSurrogate(result.charAt(end - 1))) end--;
      result = result.substring(0, end) + "… (cut at " + MAX_TEXT + " characters)";
    }
    return result;
  }
}
