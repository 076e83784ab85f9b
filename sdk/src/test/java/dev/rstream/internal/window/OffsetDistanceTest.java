package dev.rstream.internal.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.Offset;
import dev.rstream.Progress;
import org.junit.jupiter.api.Test;

class OffsetDistanceTest {
  private static Offset stub(long incarnation, long position) {
    return Offset.of(String.format("%016x_%016x", incarnation, position));
  }

  @Test
  void serverStubOffsetsOfOneIncarnationAreBytesApart() {
    assertThat(OffsetDistance.between(stub(7, 100), stub(7, 4196))).isEqualTo(4096);
    assertThat(OffsetDistance.between(Offset.START, stub(7, 300))).isEqualTo(300);
    assertThat(OffsetDistance.between(stub(7, 5), stub(7, 5))).isZero();
  }

  @Test
  void otherShapesIncarnationsOrOrderTellNothing() {
    assertThat(OffsetDistance.between(stub(7, 100), stub(8, 200))).isEqualTo(-1);
    assertThat(OffsetDistance.between(stub(7, 200), stub(7, 100))).isEqualTo(-1);
    assertThat(OffsetDistance.between(Offset.of("0_10"), Offset.of("0_20"))).isEqualTo(-1);
    assertThat(OffsetDistance.between(Offset.of("i1"), stub(7, 1))).isEqualTo(-1);
    assertThat(OffsetDistance.between(stub(7, 1), Offset.of("0000000000000007_zzzzzzzzzzzzzzzz")))
        .isEqualTo(-1);
  }

  @Test
  void aCatchUpRefusesDoneBeyondTotal() {
    assertThat(Progress.CatchUp.of(1, 2, 10, -1).fraction()).isEqualTo(0.5);
    assertThat(Progress.CatchUp.of(1, 2, 10, 40).fraction()).isEqualTo(0.25);
    assertThatThrownBy(() -> Progress.CatchUp.of(3, 2, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Progress.CatchUp.of(0, 1, 50, 40))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
