package dev.rstream.internal.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Request bodies of JSON streams: a JSON array of values, each checked to be exactly one
 * well-formed value, because a malformed one would either be refused by the server after the round
 * trip or, worse, merge with its neighbours into different messages.
 */
public final class JsonBodies {
  private JsonBodies() {}

  /**
   * @throws IllegalArgumentException if {@code value} is not exactly one JSON value.
   */
  public static byte[] checkedValue(String value, String name) {
    try (JsonParser parser = JsonResponseSource.JSON.createParser(value)) {
      JsonToken token = parser.nextToken();
      if (token == null) throw new IllegalArgumentException(name + " is empty");
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException(name + " holds more than one JSON value");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(name + " is not valid JSON: " + e.getMessage(), e);
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code [v1,v2,...]} from values already checked. */
  public static byte[] array(List<byte[]> values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('[');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) out.write(',');
      byte[] value = values.get(i);
      out.write(value, 0, value.length);
    }
    out.write(']');
    return out.toByteArray();
  }
}
