package dev.rstream.proguardcheck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sdk's consumer R8/ProGuard rules, run: the app in this module is shrunk and obfuscated with
 * them ({@link AppShrinker}), then run in a JVM of its own against server-stub, where a typed read,
 * a live session and an append must work; and the same app shrunk with one rule left out fails.
 */
class ShrunkAppTest {
  /** Far above the app's own waits: it ends itself, with its own error, long before this. */
  private static final long RUN_BOUND_SECONDS = 120;

  /** Far above what ProGuard takes on a loaded machine; only a hung run reaches it. */
  private static final long SHRINK_BOUND_SECONDS = 600;

  @RegisterExtension final StubServerExtension server = StubServerExtension.inMemory();

  private static AppShrinker shrinker;
  private static Map<String, String> shippedRules;
  private static String appRules;
  private static File out;

  @BeforeAll
  static void readRules() throws IOException {
    out = new File(System.getProperty("app.output", "target/shrunk"));
    shrinker = AppShrinker.fromBuild(out);
    shippedRules = shrinker.consumerRules();
    try (InputStream in = ShrunkAppTest.class.getResourceAsStream("/app-rules.pro")) {
      appRules = new String(in.readAllBytes(), UTF_8);
    }
  }

  @Test
  void theShippedRulesKeepATypedReadALiveSessionAndAnAppendWorking() throws Exception {
    AppShrinker.Shrunk shrunk =
        shrinker.shrink(new File(out, "shipped"), appRules, shippedRules, SHRINK_BOUND_SECONDS);
    assertThat(shrunk.exitCode).as("ProGuard's exit code; output:%n%s", shrunk.output).isZero();
    File jar = shrunk.jar;

    try (ZipFile zip = new ZipFile(jar)) {
      assertThat(zip.getEntry("dev/rstream/proguardcheck/Order.class")).isNotNull();
      assertThat(zip.getEntry("dev/rstream/internal/live/LiveCursor.class"))
          .as("obfuscated: the sdk's internal classes are renamed")
          .isNull();
    }
    List<String> output = runToSuccess(jar);
    assertThat(output)
        .as("the shrunk app's output")
        .contains("typed: o-1 NEW teax2", "live first: o-1 NEW teax2", "ok")
        .anyMatch(line -> line.startsWith("live append: o-1 PAID teax3 at "));
  }

  @Test
  void withoutTheAnnotationsRuleTheShrunkAppCannotReadItsTypedValue() throws Exception {
    Map<String, String> reduced = withoutSdkRule(shippedRules, "RuntimeVisibleAnnotations");
    AppShrinker.Shrunk shrunk =
        shrinker.shrink(new File(out, "no-annotations"), appRules, reduced, SHRINK_BOUND_SECONDS);
    assertThat(shrunk.exitCode).as("ProGuard's exit code; output:%n%s", shrunk.output).isZero();

    Run run = run(shrunk.jar);

    assertThat(run.exitCode).as("exit code; output:%n%s", run.output).isEqualTo(1);
    assertThat(run.output)
        .contains("value of order/o-1 does not bind to dev.rstream.proguardcheck.Order");
  }

  @Test
  void withoutTheJacksonExtensionsRuleTheShrinkFails() throws Exception {
    Map<String, String> reduced =
        withoutSdkRule(shippedRules, "-dontwarn com.fasterxml.jackson.databind.ext.");

    AppShrinker.Shrunk shrunk =
        shrinker.shrink(new File(out, "no-jackson-ext"), appRules, reduced, SHRINK_BOUND_SECONDS);

    assertThat(shrunk.exitCode).as("ProGuard's exit code; output:%n%s", shrunk.output).isEqualTo(1);
    assertThat(shrunk.output)
        .contains("com.fasterxml.jackson.databind.ext.")
        .contains("can't find referenced class java.beans.");
  }

  /** {@code rules} with the sdk's lines that contain {@code marker} left out; there must be one. */
  private static Map<String, String> withoutSdkRule(Map<String, String> rules, String marker) {
    String key = AppShrinker.sdkRulesKey(rules);
    String sdk = rules.get(key);
    String reduced =
        sdk.lines().filter(line -> !line.contains(marker)).collect(Collectors.joining("\n"));
    assertThat(reduced).as("the sdk's rules have a line with %s", marker).isNotEqualTo(sdk);
    Map<String, String> copy = new LinkedHashMap<>(rules);
    copy.put(key, reduced);
    return copy;
  }

  /** How the app ended: its exit code and output. */
  private static final class Run {
    final int exitCode;
    final String output;

    Run(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
    }
  }

  /** The lines the app printed, once it exited 0. */
  private List<String> runToSuccess(File jar) throws Exception {
    Run run = run(jar);
    assertThat(run.exitCode).as("exit code; output:%n%s", run.output).isZero();
    return run.output.lines().collect(Collectors.toList());
  }

  /** Runs the app in {@code jar} against a new state stream, until it exits. */
  private Run run(File jar) throws Exception {
    String url = server.createStateStream("shrunk/orders", "changes=100, interval=3600s");
    File log = new File(jar.getParentFile(), "run.log");
    String java = new File(System.getProperty("java.home"), "bin/java").getPath();
    Process app =
        new ProcessBuilder(
                java,
                "-XX:TieredStopAtLevel=1",
                "-cp",
                jar.getPath(),
                "dev.rstream.proguardcheck.ShrinkApp",
                url)
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();
    try {
      assertThat(app.waitFor(RUN_BOUND_SECONDS, SECONDS))
          .as("the app ended within %s s", RUN_BOUND_SECONDS)
          .isTrue();
    } finally {
      app.destroyForcibly().waitFor(10, SECONDS);
    }
    return new Run(app.exitValue(), Files.readString(log.toPath(), UTF_8));
  }
}
