package dev.rstream.proguardcheck;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Shrinks and obfuscates the app in this module, with its runtime class path, the way an Android
 * build's shrinker does: the app's own rules, plus every consumer rule file its jars ship in {@code
 * META-INF/proguard/} (R8 and ProGuard read that folder), plus OkHttp's rules, which an Android app
 * gets from the {@code okhttp-android} artifact's {@code proguard.txt} (the JVM artifact run here
 * ships none). The library is Android's framework ({@code android-all}), so a reference the phone
 * lacks is a warning, and a warning fails the shrink as it fails an Android build.
 *
 * <p>Paths come from the build (see this module's pom): {@code app.classes}, {@code
 * app.classpath.file}, {@code app.android}, {@code app.okhttpAar}, {@code proguard.classpath.file}.
 */
final class AppShrinker {
  /** The consumer rules of the sdk, by their path in the sdk's jar. */
  static final String SDK_RULES = "META-INF/proguard/rstream.pro";

  private static final String RULES_DIR = "META-INF/proguard/";

  /**
   * Left out of the inputs: class files of other Java versions, what would be a duplicate entry in
   * the one output, and okhttp-jvm's GraalVM native-image hooks (okhttp-android, which an Android
   * app gets instead, has none).
   */
  private static final String INPUT_FILTER =
      "(!META-INF/versions/**,!**module-info.class,!META-INF/MANIFEST.MF,!META-INF/*.SF,"
          + "!META-INF/*.DSA,!META-INF/*.RSA,!META-INF/LICENSE*,!META-INF/NOTICE*,"
          + "!okhttp3/internal/graal/**)";

  /**
   * The JDK modules whose classes Android mostly has too; not {@code java.desktop}, whose {@code
   * java.beans} annotations Jackson looks for and a phone lacks.
   */
  static final List<String> LIBRARY_MODULES =
      List.of("java.base", "java.logging", "java.sql", "java.xml");

  private final List<File> inputs;
  private final File library;
  private final File okhttpAar;

  private final String proguardClasspath;

  private AppShrinker(List<File> inputs, File library, File okhttpAar, String proguardClasspath) {
    this.inputs = inputs;
    this.proguardClasspath = proguardClasspath;
    this.library = library;
    this.okhttpAar = okhttpAar;
  }

  /**
   * The app, its class path and the library, from the system properties the build sets; the JDK's
   * classes are copied into {@code work} once.
   */
  static AppShrinker fromBuild(File work) throws IOException {
    List<File> inputs = new ArrayList<>();
    inputs.add(new File(property("app.classes")));
    String classpath = Files.readString(Path.of(property("app.classpath.file")), UTF_8).trim();
    for (String entry : classpath.split(File.pathSeparator)) {
      if (!entry.isEmpty()) inputs.add(new File(entry));
    }
    return new AppShrinker(
        inputs,
        JdkClasses.copy(LIBRARY_MODULES, new File(work, "jdk")),
        new File(property("app.okhttpAar")),
        Files.readString(Path.of(property("proguard.classpath.file")), UTF_8).trim());
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null) throw new IllegalStateException("system property " + name + " not set");
    return value;
  }

  /**
   * Every consumer rule file the app's inputs ship, by "{@code <input name>!/<path>}", then
   * OkHttp's Android rules; in class path order.
   */
  Map<String, String> consumerRules() throws IOException {
    Map<String, String> rules = new LinkedHashMap<>();
    for (File input : inputs) {
      if (input.isDirectory()) {
        Path dir = input.toPath().resolve(RULES_DIR);
        if (!Files.isDirectory(dir)) continue;
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : (Iterable<Path>) files.sorted()::iterator) {
            rules.put(
                input.getName() + "!/" + RULES_DIR + file.getFileName(),
                Files.readString(file, UTF_8));
          }
        }
      } else {
        try (ZipFile zip = new ZipFile(input)) {
          for (ZipEntry entry : entries(zip)) {
            String name = entry.getName();
            if (name.startsWith(RULES_DIR) && !entry.isDirectory()) {
              rules.put(input.getName() + "!/" + name, read(zip, entry));
            }
          }
        }
      }
    }
    try (ZipFile aar = new ZipFile(okhttpAar)) {
      ZipEntry entry = aar.getEntry("proguard.txt");
      if (entry == null) throw new IllegalStateException(okhttpAar + " has no proguard.txt");
      rules.put(okhttpAar.getName() + "!/proguard.txt", read(aar, entry));
    }
    return rules;
  }

  /** The entry of the sdk's consumer rules in {@code rules}; fails if there is none. */
  static String sdkRulesKey(Map<String, String> rules) {
    for (String key : rules.keySet()) {
      if (key.endsWith("!/" + SDK_RULES)) return key;
    }
    throw new IllegalStateException("no input ships " + SDK_RULES + ": " + rules.keySet());
  }

  /** What a shrink left: ProGuard's exit code and output, and the jar it wrote. */
  static final class Shrunk {
    final int exitCode;
    final String output;
    final File jar;

    Shrunk(int exitCode, String output, File jar) {
      this.exitCode = exitCode;
      this.output = output;
      this.jar = jar;
    }
  }

  /**
   * Shrinks and obfuscates the app into {@code out/app.jar} with {@code appRules} and {@code
   * consumerRules}, running ProGuard in a JVM of its own (its class path is the build's, apart from
   * the app's); waits for it at most {@code boundSeconds}.
   */
  Shrunk shrink(File out, String appRules, Map<String, String> consumerRules, long boundSeconds)
      throws IOException, InterruptedException {
    Files.createDirectories(out.toPath());
    File jar = new File(out, "app.jar");
    Files.deleteIfExists(jar.toPath());
    StringBuilder config = new StringBuilder();
    for (File input : inputs) {
      config.append("-injars ").append(quoted(input)).append(INPUT_FILTER).append('\n');
    }
    config.append("-outjars ").append(quoted(jar)).append('\n');
    config.append("-libraryjars ").append(quoted(library)).append('\n');
    // Shrink and obfuscate. ProGuard's optimizer miscompiles okio (a VerifyError in
    // Okio.buffer), which R8, the shrinker of Android builds, does not: the optimizer is not what
    // this check is about, and it triples the time.
    config.append("-dontoptimize\n");
    config.append("-printmapping ").append(quoted(new File(out, "mapping.txt"))).append('\n');
    config.append(appRules).append('\n');
    for (Map.Entry<String, String> rules : consumerRules.entrySet()) {
      config.append("# from ").append(rules.getKey()).append('\n');
      config.append(rules.getValue()).append('\n');
    }
    File configuration = new File(out, "configuration.pro");
    Files.writeString(configuration.toPath(), config, UTF_8);

    File log = new File(out, "proguard.log");
    String java = new File(System.getProperty("java.home"), "bin/java").getPath();
    Process proguard =
        new ProcessBuilder(
                java, "-cp", proguardClasspath, "proguard.ProGuard", "@" + configuration.getPath())
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();
    try {
      if (!proguard.waitFor(boundSeconds, TimeUnit.SECONDS)) {
        throw new IllegalStateException("ProGuard ran longer than " + boundSeconds + " s");
      }
    } finally {
      proguard.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    return new Shrunk(proguard.exitValue(), Files.readString(log.toPath(), UTF_8), jar);
  }

  private static String quoted(File file) {
    return "'" + file.getAbsolutePath() + "'";
  }

  private static List<? extends ZipEntry> entries(ZipFile zip) {
    Enumeration<? extends ZipEntry> entries = zip.entries();
    return Collections.list(entries);
  }

  private static String read(ZipFile zip, ZipEntry entry) {
    try (java.io.InputStream in = zip.getInputStream(entry)) {
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
