package dev.rstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public types of the API packages, checked against {@code public-api.txt} beside this class: a
 * type added, removed, moved or turned from class to interface shows in that file's diff. Internal
 * packages are not listed; they carry no compatibility promise.
 */
class PublicApiTest {
  /** The packages apps may use; a new one is added here and to the file. */
  private static final List<String> PACKAGES = List.of("dev.rstream", "dev.rstream.durable");

  @Test
  void publicTypesAreTheListedOnes() throws Exception {
    List<String> expected;
    try (var in =
        Objects.requireNonNull(
            PublicApiTest.class.getResourceAsStream("public-api.txt"), "public-api.txt")) {
      expected =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .map(String::strip)
              .filter(line -> !line.isEmpty() && !line.startsWith("#"))
              .sorted()
              .collect(Collectors.toList());
    }
    List<String> actual = new ArrayList<>();
    for (String name : PACKAGES) actual.addAll(publicTypes(name));
    actual.sort(null);
    assertThat(actual)
        .as("public types (update public-api.txt with a deliberate API change)")
        .containsExactlyElementsOf(expected);
  }

  /** Each public type of {@code packageName}, nested ones included, as "kind name". */
  private static List<String> publicTypes(String packageName)
      throws IOException, URISyntaxException {
    Path classes =
        Paths.get(RStreamClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(classes).as("the main classes directory").isDirectory();
    Path dir = classes.resolve(packageName.replace('.', '/'));
    List<String> types = new ArrayList<>();
    if (!Files.isDirectory(dir)) return types;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String fileName = file.getFileName().toString();
        if (!fileName.endsWith(".class") || fileName.equals("package-info.class")) continue;
        Class<?> type;
        try {
          type =
              Class.forName(
                  packageName + "." + fileName.substring(0, fileName.length() - 6),
                  false,
                  PublicApiTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
          throw new AssertionError(e);
        }
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) continue;
        if (isPublic(type)) types.add(kind(type) + " " + type.getCanonicalName());
      }
    }
    return types;
  }

  /** Public and reachable: every enclosing type public too. */
  private static boolean isPublic(Class<?> type) {
    for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
      if (!Modifier.isPublic(t.getModifiers())) return false;
    }
    return true;
  }

  private static String kind(Class<?> type) {
    if (type.isAnnotation()) return "@interface";
    if (type.isEnum()) return "enum";
    if (type.isInterface()) return "interface";
    if (Throwable.class.isAssignableFrom(type)) return "exception";
    return "class";
  }
}
