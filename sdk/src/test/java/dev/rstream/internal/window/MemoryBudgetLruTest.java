package dev.rstream.internal.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.Offset;
import org.junit.jupiter.api.Test;

class MemoryBudgetLruTest {
  private static Offset at(int i) {
    return Offset.of("o" + i);
  }

  @Test
  void dropsTheLeastRecentlyUsedUntilTheRestFit() {
    MemoryBudget budget = new MemoryBudget(100);
    assertThat(budget.add(at(1), 40)).isEmpty();
    assertThat(budget.add(at(2), 40)).isEmpty();
    budget.used(at(1)); // 2 is now the least recently used
    assertThat(budget.add(at(3), 40)).containsExactly(at(2));
    assertThat(budget.total()).isEqualTo(80);
    assertThat(budget.add(at(4), 90)).containsExactly(at(1), at(3));
    assertThat(budget.total()).isEqualTo(90);
  }

  @Test
  void aWindowOverTheWholeBudgetIsDroppedLast() {
    MemoryBudget budget = new MemoryBudget(100);
    budget.add(at(1), 10);
    assertThat(budget.add(at(2), 150)).containsExactly(at(1), at(2));
    assertThat(budget.total()).isZero();
  }

  @Test
  void removedAndClearedWindowsNoLongerCount() {
    MemoryBudget budget = new MemoryBudget(100);
    budget.add(at(1), 60);
    budget.remove(at(1));
    assertThat(budget.add(at(2), 60)).isEmpty();
    budget.clear();
    assertThat(budget.total()).isZero();
    assertThatThrownBy(() -> new MemoryBudget(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
