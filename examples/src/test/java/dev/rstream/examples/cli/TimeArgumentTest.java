package dev.rstream.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TimeArgumentTest {
  private static final Instant NOW = Instant.parse("2026-11-22T05:00:00Z");

  @Test
  void rfc3339TimesParseWithAnyOffsetAndFraction() {
    assertThat(TimeArgument.parse("2026-11-22T04:00:00Z", NOW)).isEqualTo("2026-11-22T04:00:00Z");
    assertThat(TimeArgument.parse("2026-11-22T06:00:00.250+02:00", NOW))
        .isEqualTo("2026-11-22T04:00:00.250Z");
    // RFC 3339 allows these; java.time alone does not.
    assertThat(TimeArgument.parse("2026-11-22 04:00:00z", NOW)).isEqualTo("2026-11-22T04:00:00Z");
    assertThat(TimeArgument.parse("2026-11-22t04:00:00Z", NOW)).isEqualTo("2026-11-22T04:00:00Z");
  }

  @Test
  void relativeTimesCountBackFromNow() {
    assertThat(TimeArgument.parse("now", NOW)).isEqualTo(NOW);
    assertThat(TimeArgument.parse("-30s", NOW)).isEqualTo("2026-11-22T04:59:30Z");
    assertThat(TimeArgument.parse("-5m", NOW)).isEqualTo("2026-11-22T04:55:00Z");
    assertThat(TimeArgument.parse("-2h", NOW)).isEqualTo("2026-11-22T03:00:00Z");
    assertThat(TimeArgument.parse("-1d", NOW)).isEqualTo("2026-11-21T05:00:00Z");
    assertThat(TimeArgument.parse("-250ms", NOW)).isEqualTo("2026-11-22T04:59:59.750Z");
  }

  @Test
  void malformedTimesNameTheAcceptedForms() {
    for (String bad :
        new String[] {"yesterday", "-5", "-m", "-5w", "2026-11-22", "2026-11-22T04:00:00", ""}) {
      assertThatThrownBy(() -> TimeArgument.parse(bad, NOW))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.isEmpty() ? "not a time" : bad);
    }
  }

  @Test
  void everyFormAMessageSuggestsIsAccepted() {
    // "-5x" once suggested "5m", which is then refused as not a time.
    for (String bad : new String[] {"-5x", "-5", "-m", "-", "5m", "yesterday", "2026-11-22"}) {
      String message = messageOf(bad);
      // Leave out the echoed input; what remains are the suggestions.
      String suggestions = message.replaceFirst("'[^']*'", "");
      Matcher form =
          Pattern.compile("(?<![\\w-])(-?[0-9]+[a-z]+|now|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z)")
              .matcher(suggestions);
      int forms = 0;
      while (form.find()) {
        String suggested = form.group(1);
        assertThat(TimeArgument.parse(suggested, NOW))
            .as("'%s', suggested for '%s'", suggested, bad)
            .isNotNull();
        forms++;
      }
      assertThat(forms).as("forms suggested in: %s", message).isPositive();
    }
    assertThat(messageOf("-5x")).contains("-5m").doesNotContain(" 5m");
    assertThat(messageOf("5m")).contains("-5m");
  }

  private static String messageOf(String bad) {
    try {
      TimeArgument.parse(bad, NOW);
    } catch (IllegalArgumentException e) {
      return String.valueOf(e.getMessage());
    }
    throw new AssertionError("accepted: " + bad);
  }

  @Test
  void durationsTakeAUnit() {
    assertThat(TimeArgument.duration("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(TimeArgument.duration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> TimeArgument.duration("10")).hasMessageContaining("not a duration");
  }
}
