package dev.rstream.internal.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.rstream.Change;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes changes as one State Protocol JSON array, the body of one append (one append unit). Values
 * go out as the JSON text they hold; {@code headers.offset} is never written (the server sets it).
 */
public final class ChangeEncoder {
  private static final JsonFactory JSON = new JsonFactory();

  private ChangeEncoder() {}

  public static byte[] encode(List<Change> changes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 * changes.size());
    try (JsonGenerator generator = JSON.createGenerator(out)) {
      generator.writeStartArray();
      for (Change change : changes) write(generator, change);
      generator.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return out.toByteArray();
  }

  /** One change as one State Protocol message: a JSON object. */
  public static String encode(Change change) {
    java.io.StringWriter out = new java.io.StringWriter(128);
    try (JsonGenerator generator = JSON.createGenerator(out)) {
      write(generator, change);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a string writer does not fail
    }
    return out.toString();
  }

  private static void write(JsonGenerator generator, Change change) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("type", change.type());
    generator.writeStringField("key", change.key());
    String value = change.value();
    if (value != null) {
      generator.writeFieldName("value");
      generator.writeRawValue(value); // validated JSON text (Change.Builder checks it)
    }
    String oldValue = change.oldValue();
    if (oldValue != null) {
      generator.writeFieldName("old_value");
      generator.writeRawValue(oldValue);
    }
    generator.writeObjectFieldStart("headers");
    generator.writeStringField("operation", change.operation().wireName());
    if (change.timestamp() != null) {
      generator.writeStringField("timestamp", change.timestamp().toString());
    }
    if (change.txid() != null) generator.writeStringField("txid", change.txid());
    generator.writeEndObject();
    generator.writeEndObject();
  }
}
