package dev.rstream.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Change;
import dev.rstream.Offset;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeEncoderTest {
  @Test
  void encodedChangesDecodeToTheSameChangesWithoutTheirOffsets() throws IOException {
    List<Change> changes =
        List.of(
            Change.builder()
                .operation(Change.Operation.INSERT)
                .type("order")
                .key("o1")
                .value("{\"qty\":1.50,\"tags\":[\"a\",\"b\"]}")
                .timestamp(Instant.parse("2026-01-01T00:00:00.125Z"))
                .txid("tx-1")
                .offset(Offset.of("ignored"))
                .build(),
            Change.builder()
                .operation(Change.Operation.UPDATE)
                .type("order")
                .key("o1")
                .value("\"text\"")
                .oldValue("{\"qty\":1.50,\"tags\":[\"a\",\"b\"]}")
                .build(),
            Change.delete("order", "o1"));
    byte[] body = ChangeEncoder.encode(changes);

    List<Change> decoded = new ArrayList<>();
    StateMessageDecoder decoder = new StateMessageDecoder();
    try (JsonParser parser = new JsonFactory().createParser(body)) {
      assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
      while (parser.nextToken() != JsonToken.END_ARRAY)
        decoded.add(decoder.decode(parser).change());
    }
    List<Change> expected = new ArrayList<>();
    for (Change change : changes) expected.add(change.newBuilder().offset(null).build());
    assertThat(decoded).isEqualTo(expected);
  }

  @Test
  void builderRejectsValuesThatAreNotOneJsonValue() {
    assertThatThrownBy(() -> Change.insert("t", "k", "{\"a\":"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Change.insert("t", "k", "1 2"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Change.insert("t", "k", ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Change.insert("", "k", "1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> Change.builder().operation(Change.Operation.UPDATE).type("t").key("k").build())
        .isInstanceOf(IllegalStateException.class);
    assertThat(Change.insert("t", "k", " [1, 2] ").value()).isEqualTo(" [1, 2] ");
  }
}
