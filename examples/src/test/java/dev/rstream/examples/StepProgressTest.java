package dev.rstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StepProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void offATerminalProgressIsALineAtEveryTenth() {
    try (StepProgress progress = StepProgress.create(out, false, "history", 2_000)) {
      for (int i = 0; i < 2_000; i++) progress.step();
    }

    assertThat(output().lines())
        .containsExactly(
            "history: 200 / 2,000 (10%)",
            "history: 400 / 2,000 (20%)",
            "history: 600 / 2,000 (30%)",
            "history: 800 / 2,000 (40%)",
            "history: 1,000 / 2,000 (50%)",
            "history: 1,200 / 2,000 (60%)",
            "history: 1,400 / 2,000 (70%)",
            "history: 1,600 / 2,000 (80%)",
            "history: 1,800 / 2,000 (90%)",
            "history: 2,000 / 2,000 (100%)");
  }

  @Test
  void fewerStepsThanTenthsPrintEachStepOnce() {
    try (StepProgress progress = StepProgress.create(out, false, "t", 3)) {
      for (int i = 0; i < 3; i++) progress.step();
    }

    assertThat(output().lines())
        .containsExactly("t: 1 / 3 (33%)", "t: 2 / 3 (66%)", "t: 3 / 3 (100%)");
  }

  @Test
  void aTaskThatEndsShortSaysWhereItEnded() {
    try (StepProgress progress = StepProgress.create(out, false, "t", 100)) {
      for (int i = 0; i < 15; i++) progress.step();
    }

    assertThat(output().lines()).containsExactly("t: 10 / 100 (10%)", "t: 15 / 100 (15%)");
  }

  @Test
  void onATerminalTheBarIsDrawnOnTheStreamGiven() {
    try (StepProgress progress = StepProgress.create(out, true, "history", 10)) {
      for (int i = 0; i < 10; i++) progress.step();
    }

    assertThat(output()).contains("history").contains("\r");
  }

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
