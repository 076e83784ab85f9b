package dev.rstream.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job runs its whole story on a small history, and says what it should. */
class DemoTest {
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void demoTellsTheWholeStoryOnASmallHistory(@TempDir Path data) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      new Demo(out, false, 300, 30).runEmbedded(data);
    }
    String story = bytes.toString(StandardCharsets.UTF_8);

    assertThat(story).contains("300 changes acknowledged");
    assertThat(story).contains("300 changes replayed in order");
    // Not a terminal: progress in plain lines, no bar redrawn with carriage returns and colours.
    assertThat(story).contains("history: 30 / 300 (10%)", "history: 300 / 300 (100%)");
    assertThat(story).doesNotContain("\r", "\u001b");
    // The first sync's bar is driven by progress().catchUp() alone, and fills up.
    assertThat(story).contains("first sync: 100 / 100 (100%)", "synced: ");
    // One connection for three subscribers, before and after the server restart.
    assertThat(story)
        .containsSubsequence(
            "live connections held by the server: 1", "live connections held by the server: 1");
    assertThat(story).contains("the 3 subscribers received 15 changes");
    assertThat(story).doesNotContain("unexpected:", "failed:", "only ");
    assertThat(story).contains("from the store: true");
    assertThat(story).contains("Final state:");
  }
}
