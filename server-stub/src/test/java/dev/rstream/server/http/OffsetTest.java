package dev.rstream.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OffsetTest {

  @Test
  void lexicographicOrderIsPositionOrderForAnyPositions() {
    SplittableRandom random = new SplittableRandom(42);
    long incarnation = random.nextLong();
    for (int i = 0; i < 10_000; i++) {
      long a = random.nextLong(Long.MAX_VALUE);
      long b = i % 2 == 0 ? random.nextLong(Long.MAX_VALUE) : random.nextLong(1 << 20);
      String x = Offset.format(incarnation, a);
      String y = Offset.format(incarnation, b);
      assertThat(x).hasSize(Offset.LENGTH);
      assertThat(Integer.signum(x.compareTo(y))).isEqualTo(Long.signum(Long.compare(a, b)));
    }
  }

  @Test
  void parsesWhatItFormats() {
    Offset offset = Offset.parse(Offset.format(-5, 1234));
    assertThat(offset).isEqualTo(new Offset(-5, 1234));
    assertThat(Offset.format(-5, 1234)).matches("[0-9a-f]{16}_[0-9a-f]{16}");
  }

  @Test
  void refusesAnythingElse() {
    for (String text :
        new String[] {
          "-1",
          "now",
          "",
          "0_0",
          "0000000000000000-0000000000000000",
          "0000000000000000_000000000000000A",
          "0000000000000000_8000000000000000",
          "0000000000000000_00000000000000000",
          "../../../../../../../../../../etc"
        }) {
      assertThat(Offset.parse(text)).as(text).isNull();
    }
  }
}
