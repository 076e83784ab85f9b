package dev.rstream.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Change;
import dev.rstream.Offset;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateMessageDecoderTest {
  private final StateMessageDecoder decoder = new StateMessageDecoder();

  /** Feeds the decoder one array element at a time, as the transport does. */
  private List<StateMessage> decodeArray(String json) throws IOException {
    List<StateMessage> result = new ArrayList<>();
    try (JsonParser parser = new JsonFactory().createParser(json)) {
      assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
      while (parser.nextToken() != JsonToken.END_ARRAY) result.add(decoder.decode(parser));
      assertThat(parser.nextToken()).isNull();
    }
    return result;
  }

  @Test
  void decodesTheAsOfOfASnapshotStart() throws IOException {
    List<StateMessage> messages =
        decodeArray(
            "["
                + "{\"headers\":{\"control\":\"snapshot-start\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"asOf\":\"0003_0\",\"offset\":\"0009_0\"}},"
                + "{\"headers\":{\"control\":\"snapshot-start\",\"offset\":\"0010_0\"}}]");

    assertThat(messages.get(0).control())
        .isEqualTo(
            Control.snapshotStartAsOf(
                Offset.of("0009_0"), Instant.parse("2026-01-01T00:00:00Z"), Offset.of("0003_0")));
    assertThat(messages.get(1).control().asOf()).isNull();
    assertThat(messages.get(1).control().timestamp()).isNull();
  }

  @Test
  void decodesChangesWithAllFields() throws IOException {
    List<StateMessage> messages =
        decodeArray(
            "[\n"
                + " {\"type\":\"order\",\"key\":\"o1\",\"value\": {\"total\": 1.10, \"items\":[1, 2 ,{\"x\":null}]},"
                + "  \"headers\":{\"operation\":\"insert\",\"timestamp\":\"2026-01-01T00:00:00.123Z\",\"txid\":\"tx\",\"offset\":\"0001_5\"}},\n"
                + " {\"headers\":{\"operation\":\"update\",\"timestamp\":\"2026-01-01T02:00:00+02:00\"},\"type\":\"order\",\"key\":\"o1\",\"value\":\"s\",\"old_value\":{\"total\":1.10},\"extra\":{\"ignored\":[1]}},\n"
                + " {\"type\":\"order\",\"key\":\"o1\",\"value\":null,\"headers\":{\"operation\":\"delete\"}}\n"
                + "]");
    assertThat(messages).hasSize(3);
    Change insert = messages.get(0).change();
    assertThat(insert.type()).isEqualTo("order");
    assertThat(insert.key()).isEqualTo("o1");
    assertThat(insert.operation()).isEqualTo(Change.Operation.INSERT);
    assertThat(insert.value())
        .isEqualTo("{\"total\":1.10,\"items\":[1,2,{\"x\":null}]}"); // exact numbers, compact
    assertThat(insert.timestamp()).isEqualTo(Instant.parse("2026-01-01T00:00:00.123Z"));
    assertThat(insert.txid()).isEqualTo("tx");
    assertThat(insert.offset()).isEqualTo(Offset.of("0001_5"));

    Change update = messages.get(1).change();
    assertThat(update.value()).isEqualTo("\"s\"");
    assertThat(update.oldValue()).isEqualTo("{\"total\":1.10}");
    assertThat(update.timestamp()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(update.type()).isSameAs(insert.type()); // one String per type
    assertThat(update.key()).isSameAs(insert.key()); // and per key

    Change delete = messages.get(2).change();
    assertThat(delete.operation()).isEqualTo(Change.Operation.DELETE);
    assertThat(delete.value()).isNull();
    assertThat(delete.offset()).isNull();
  }

  @Test
  void decodesControls() throws IOException {
    List<StateMessage> messages =
        decodeArray(
            "["
                + "{\"headers\":{\"control\":\"snapshot-start\",\"offset\":\"5\",\"timestamp\":\"2026-01-01T00:00:00Z\"}},"
                + "{\"headers\":{\"control\":\"snapshot-end\"}},"
                + "{\"headers\":{\"control\":\"reset\",\"offset\":\"-1\"}}]");
    assertThat(messages)
        .extracting(StateMessage::control)
        .containsExactly(
            Control.of(
                Control.Kind.SNAPSHOT_START, Offset.of("5"), Instant.parse("2026-01-01T00:00:00Z")),
            Control.of(Control.Kind.SNAPSHOT_END, null, null),
            Control.of(Control.Kind.RESET, Offset.START, null));
  }

  @Test
  void decoderStaysUsableAcrossManyMessages() throws IOException {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < 500; i++) {
      if (i > 0) json.append(',');
      json.append("{\"type\":\"t\",\"key\":\"k")
          .append(i)
          .append("\",\"value\":[")
          .append(i)
          .append("],\"headers\":{\"operation\":\"insert\"}}");
    }
    List<StateMessage> messages = decodeArray(json.append(']').toString());
    for (int i = 0; i < 500; i++)
      assertThat(messages.get(i).change().value()).isEqualTo("[" + i + "]");
  }

  @Test
  void timestampsParseAsJavaTimeDoesInEveryRfc3339Form() {
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < 20_000; i++) {
      Instant instant =
          Instant.ofEpochSecond(
              random.nextInt(2_000_000_000) + 100_000_000L, random.nextInt(1_000_000_000));
      int offsetMinutes =
          random.nextInt(3) == 0 ? 0 : (random.nextInt(18 * 60 * 2) - 18 * 60 + 1) / 15 * 15;
      java.time.OffsetDateTime time =
          instant.atOffset(java.time.ZoneOffset.ofTotalSeconds(offsetMinutes * 60));
      String fraction = String.format("%09d", time.getNano()).substring(0, random.nextInt(10));
      String text =
          String.format(
              "%04d-%02d-%02dT%02d:%02d:%02d%s%s",
              time.getYear(),
              time.getMonthValue(),
              time.getDayOfMonth(),
              time.getHour(),
              time.getMinute(),
              time.getSecond(),
              fraction.isEmpty() ? "" : "." + fraction,
              offsetMinutes == 0 && random.nextBoolean()
                  ? "Z"
                  : time.getOffset().getId().replace("Z", "+00:00"));
      assertThat(Rfc3339.parse(text))
          .as(text)
          .isEqualTo(java.time.OffsetDateTime.parse(text).toInstant());
    }
    for (String bad :
        new String[] {
          "2026-02-30T00:00:00Z",
          "2026-01-01T24:00:00Z",
          "2026-01-01T00:00:00",
          "2026-01-01 00:00:00Z",
          "2026-01-01T00:00:00+0100",
          "yesterday"
        }) {
      assertThatThrownBy(() -> Rfc3339.parse(bad))
          .as(bad)
          .isInstanceOf(java.time.DateTimeException.class);
    }
  }

  @Test
  void rejectsMessagesThatAreNotStateProtocol() {
    String[] bad = {
      "[42]",
      "[{\"type\":\"t\",\"key\":\"k\",\"value\":1}]",
      "[{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"upsert\"}}]",
      "[{\"type\":\"t\",\"key\":\"k\",\"headers\":{\"operation\":\"insert\"}}]",
      "[{\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}]",
      "[{\"type\":\"\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\"}}]",
      "[{\"type\":\"t\",\"key\":7,\"value\":1,\"headers\":{\"operation\":\"insert\"}}]",
      "[{\"headers\":{\"control\":\"pause\"}}]",
      "[{\"headers\":{}}]",
      "[{\"headers\":[]}]",
      "[{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\",\"timestamp\":\"yesterday\"}}]",
      "[{\"type\":\"t\",\"key\":\"k\",\"value\":1,\"headers\":{\"operation\":\"insert\",\"offset\":\"a b\"}}]",
    };
    for (String json : bad) {
      assertThatThrownBy(() -> decodeArray(json))
          .as(json)
          .isInstanceOf(JsonParseException.class)
          .hasMessageContaining("not a State Protocol message");
    }
  }

  @Test
  void valuesAreCopiedCompactlyWithNumbersAsSentAndStringsEscapedAsJacksonDoes()
      throws IOException {
    java.util.Random random = new java.util.Random(17);
    JsonFactory json = new JsonFactory();
    for (int round = 0; round < 300; round++) {
      String value = randomValue(random, 0);
      String oldValue = randomValue(random, 0);
      String message =
          "{\"type\":\"t\",\"key\":\"k\",\"value\": "
              + value
              + " ,\"old_value\":"
              + oldValue
              + ",\"headers\":{\"operation\":\"update\"}}";
      Change change = decodeArray("[" + message + "]").get(0).change();
      assertThat(change.value()).as("value %s", value).isEqualTo(reference(json, value));
      assertThat(change.oldValue())
          .as("old value %s", oldValue)
          .isEqualTo(reference(json, oldValue));
      // What was copied is one valid JSON value, as Change.Builder requires of values.
      assertThat(Change.update("t", "k", change.value()).value()).isEqualTo(change.value());
    }
  }

  @Test
  void valuesTakenAsRawBytesEqualTheTokenCopyWhateverTheChunking() throws IOException {
    java.util.Random random = new java.util.Random(23);
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < 3_000; i++) {
      if (i > 0) body.append(random.nextBoolean() ? "," : " ,\n");
      String value =
          random.nextInt(3) == 0
              ? randomValue(random, 0)
              : "{\"id\":" + i + ",\"p\":1000.25,\"s\":\"é日\",\"a\":[1,{\"x\":null}]}";
      body.append("{\"type\":\"t\",\"key\":\"k")
          .append(i % 50)
          .append("\",\"value\":")
          .append(value);
      if (random.nextBoolean()) body.append(",\"old_value\":").append(randomValue(random, 0));
      body.append(",\"headers\":{\"operation\":\"update\",\"offset\":\"")
          .append(1000 + i / 7)
          .append("\"}}");
    }
    String json = body.append(']').toString();
    List<StateMessage> expected = decodeArray(json);

    byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int maxChunk : new int[] {1, 7, 100, 8_000, Integer.MAX_VALUE}) {
      // A body that arrives a few bytes at a time makes the parser refill mid-value.
      java.io.InputStream trickle =
          new java.io.ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
              return super.read(
                  b, off, Math.min(len, 1 + random.nextInt(Math.min(maxChunk, 1 << 20))));
            }
          };
      RawJsonInput raw = new RawJsonInput(trickle);
      StateMessageDecoder fresh = new StateMessageDecoder();
      List<StateMessage> actual = new ArrayList<>();
      try (JsonParser parser = new JsonFactory().createParser(raw)) {
        assertThat(parser.getInputSource()).isSameAs(raw);
        assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
        while (parser.nextToken() != JsonToken.END_ARRAY) actual.add(fresh.decode(parser));
      }
      assertThat(actual).hasSameSizeAs(expected);
      for (int i = 0; i < expected.size(); i++) {
        assertThat(actual.get(i).change())
            .as("message %d, chunks of %d", i, maxChunk)
            .isEqualTo(expected.get(i).change());
      }
      assertThat(fresh.rawValues()).as("values taken as bytes").isGreaterThan(2_000);
      // One message and the parser's read-ahead are kept, not the body.
      assertThat(raw.buffer().length).isLessThan(bytes.length / 4);
    }
  }

  /** Jackson's generator copying every token, with each number written as its parsed text. */
  private static String reference(JsonFactory json, String value) throws IOException {
    java.io.StringWriter out = new java.io.StringWriter();
    try (JsonParser parser = json.createParser(value);
        com.fasterxml.jackson.core.JsonGenerator generator = json.createGenerator(out)) {
      while (parser.nextToken() != null) {
        if (parser.currentToken().isNumeric()) generator.writeNumber(parser.getText());
        else generator.copyCurrentEvent(parser);
      }
    }
    return out.toString();
  }

  /** Random JSON text with insignificant whitespace, escapes, non-ASCII and every number form. */
  private static String randomValue(java.util.Random random, int depth) {
    String space = random.nextInt(4) == 0 ? " \n\t" : "";
    switch (depth > 3 ? random.nextInt(4) : random.nextInt(6)) {
      case 0:
        return randomString(random);
      case 1:
        String[] numbers = {
          "0",
          "-0",
          "12",
          "-7",
          "1.10",
          "1000.25",
          "1e5",
          "1E+5",
          "-2.5e-3",
          "123456789012345678901234567890",
          "0.000001"
        };
        return numbers[random.nextInt(numbers.length)];
      case 2:
        return new String[] {"true", "false", "null"}[random.nextInt(3)];
      case 3:
        return space + "[]";
      case 4:
        {
          StringBuilder b = new StringBuilder("[").append(space);
          int n = random.nextInt(4);
          for (int i = 0; i < n; i++)
            b.append(i > 0 ? "," + space : "").append(randomValue(random, depth + 1));
          return b.append(space).append(']').toString();
        }
      default:
        {
          StringBuilder b = new StringBuilder("{").append(space);
          int n = random.nextInt(4);
          for (int i = 0; i < n; i++) {
            b.append(i > 0 ? "," : "")
                .append(randomString(random))
                .append(space)
                .append(':')
                .append(randomValue(random, depth + 1));
          }
          return b.append(space).append('}').toString();
        }
    }
  }

  private static String randomString(java.util.Random random) {
    String[] pieces = {
      "a",
      "Z9",
      " ",
      "\\\"",
      "\\\\",
      "\\/",
      "\\n",
      "\\t",
      "\\b",
      "\\f",
      "\\r",
      "\\u0001",
      "\\u001f",
      "\\u00e9",
      "é",
      "\\u2028",
      "日本",
      "\\ud83d\\ude00",
      "😀",
      "\u007f"
    };
    StringBuilder b = new StringBuilder("\"");
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) b.append(pieces[random.nextInt(pieces.length)]);
    return b.append('"').toString();
  }
}
