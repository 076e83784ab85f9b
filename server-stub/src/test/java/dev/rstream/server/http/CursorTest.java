package dev.rstream.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Spec 10.1: cursors follow 20 s intervals and never go backwards or repeat the client's. */
class CursorTest {
  private static final long EPOCH = 1_728_432_000_000L; // 2024-10-09T00:00:00Z

  @Test
  void withoutClientCursorItIsTheCurrentInterval() {
    assertThat(Cursor.next(null, EPOCH + 20_000 * 1000 + 19_999)).isEqualTo("1000");
    assertThat(Cursor.next("garbage", EPOCH + 20_000 * 7)).isEqualTo("7");
  }

  @Test
  void clientCursorBehindTheClockGetsTheCurrentInterval() {
    assertThat(Cursor.next("5", EPOCH + 20_000 * 9)).isEqualTo("9");
  }

  @Test
  void clientCursorAtOrAheadOfTheClockIsAdvancedByUpToAnHour() {
    for (int i = 0; i < 1000; i++) {
      long now = EPOCH + 20_000 * 100;
      long next = Long.parseLong(Cursor.next("100", now));
      assertThat(next).isBetween(101L, 100L + 180);
      long ahead = Long.parseLong(Cursor.next("500", now));
      assertThat(ahead).isBetween(501L, 500L + 180);
    }
  }

  @Test
  void clientCursorFarAheadOfTheClockIsTreatedAsGarbageAndNeverOverflows() {
    long now = EPOCH + 20_000 * 100;
    assertThat(Cursor.next(Long.toString(Long.MAX_VALUE), now)).isEqualTo("100");
    assertThat(Cursor.next(Long.toString(Long.MAX_VALUE - 5), now)).isEqualTo("100");
    long yearAhead = 100 + 365L * 24 * 180;
    assertThat(Long.parseLong(Cursor.next(Long.toString(yearAhead), now))).isGreaterThan(yearAhead);
  }
}
