package dev.rstream.server.write;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.server.http.StreamHandler;
import dev.rstream.server.state.OffsetFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonMessagesTest {
  private static final OffsetFormat OFFSETS = StreamHandler.OFFSETS;

  private static List<byte[]> split(String body) throws WriteRejectedException {
    return JsonMessages.split(body.getBytes(UTF_8), "s");
  }

  private static String text(byte[] bytes) {
    return new String(bytes, UTF_8);
  }

  @Test
  void flattensOneLevelAndKeepsNumbersExact() throws WriteRejectedException {
    List<byte[]> messages = split("[ {\"a\" : 1.50}, [1, 2], 12345678901234567890123, \"x\\ny\" ]");
    assertThat(messages)
        .extracting(JsonMessagesTest::text)
        .containsExactly("{\"a\":1.50}", "[1,2]", "12345678901234567890123", "\"x\\ny\"");
  }

  @Test
  void refusesInvalidJsonTrailingValuesAndBadUtf8() {
    assertThatThrownBy(() -> split("{")).isInstanceOf(WriteRejectedException.InvalidJson.class);
    assertThatThrownBy(() -> split("1 2")).isInstanceOf(WriteRejectedException.InvalidJson.class);
    assertThatThrownBy(() -> JsonMessages.split(new byte[] {'"', (byte) 0xff, '"'}, "s"))
        .isInstanceOf(WriteRejectedException.InvalidJson.class);
  }

  @Test
  void stampedLengthDoesNotDependOnTheOffset() throws WriteRejectedException {
    List<byte[]> unit =
        split(
            "[{\"headers\":{\"operation\":\"insert\",\"offset\":\"x\"},\"key\":\"k\"},"
                + "{\"headers\":{\"control\":\"snapshot-end\"}},{\"headers\":{\"note\":1}},7]");
    JsonMessages.Stamped low = JsonMessages.stamp(unit, 1, 0, OFFSETS);
    JsonMessages.Stamped high = JsonMessages.stamp(unit, -1, Long.MAX_VALUE / 2, OFFSETS);
    for (int i = 0; i < unit.size(); i++) {
      assertThat(low.messages().get(i)).hasSameSizeAs(high.messages().get(i));
    }
    long size = low.messages().stream().mapToLong(m -> m.length).sum();
    assertThat(low.endPosition()).isEqualTo(size);
    String end = OFFSETS.format(1, size);
    assertThat(text(low.messages().get(0))).contains("\"offset\":\"" + end + "\"");
    assertThat(text(low.messages().get(1))).contains("\"offset\":\"" + end + "\"");
    // Not State Protocol messages: stored exactly as given, not even copied.
    assertThat(low.messages().get(2)).isSameAs(unit.get(2));
    assertThat(low.messages().get(3)).isSameAs(unit.get(3));
  }
}
