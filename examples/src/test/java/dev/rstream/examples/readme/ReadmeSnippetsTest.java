package dev.rstream.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README shows only code that compiles: every snippet region of ReadmeSnippets, verbatim. */
class ReadmeSnippetsTest {
  /**
   * The compiled sources of the README's Java blocks: the tour's snippets and the whole first app.
   */
  private static final List<Path> SOURCES =
      List.of(
          Path.of("src/test/java/dev/rstream/examples/readme/ReadmeSnippets.java"),
          Path.of("src/test/java/dev/rstream/examples/readme/QuickStart.java"));

  private static final Path README = Path.of("../README.md");

  @Test
  void everySnippetStandsVerbatimInTheReadme() throws IOException {
    Map<String, String> snippets = new LinkedHashMap<>();
    for (Path source : SOURCES)
      snippets.putAll(snippets(Files.readAllLines(source, StandardCharsets.UTF_8)));
    assertThat(snippets).isNotEmpty();
    List<String> blocks = javaBlocks(Files.readAllLines(README, StandardCharsets.UTF_8));
    snippets.forEach(
        (name, snippet) ->
            assertThat(blocks).as("README java block for snippet '%s'", name).contains(snippet));
    // And the other way round: no java block in the README escapes the compiler.
    assertThat(snippets.values()).containsAll(blocks);
  }

  /**
   * Regions between "// README:name" and "// README:end", with their common indentation removed.
   */
  static Map<String, String> snippets(List<String> lines) {
    Map<String, String> snippets = new LinkedHashMap<>();
    String name = null;
    List<String> region = new ArrayList<>();
    for (String line : lines) {
      String trimmed = line.trim();
      if (trimmed.startsWith("// README:")) {
        String marker = trimmed.substring("// README:".length());
        if (marker.equals("end")) {
          snippets.put(name, dedent(region));
          name = null;
          region.clear();
        } else {
          name = marker;
        }
      } else if (name != null) {
        region.add(line);
      }
    }
    assertThat(name).as("unterminated README region").isNull();
    return snippets;
  }

  /** The contents of every ```java fenced block. */
  static List<String> javaBlocks(List<String> lines) {
    List<String> blocks = new ArrayList<>();
    StringBuilder block = null;
    for (String line : lines) {
      if (block == null && line.trim().equals("```java")) {
        block = new StringBuilder();
      } else if (block != null && line.trim().equals("```")) {
        blocks.add(block.toString());
        block = null;
      } else if (block != null) {
        block.append(line).append('\n');
      }
    }
    return blocks;
  }

  private static String dedent(List<String> region) {
    int indent = Integer.MAX_VALUE;
    for (String line : region) {
      if (!line.isBlank()) indent = Math.min(indent, line.length() - line.stripLeading().length());
    }
    StringBuilder out = new StringBuilder();
    for (String line : region) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.toString();
  }

  @Test
  void extractionFindsRegionsAndBlocks() {
    Map<String, String> found =
        snippets(
            List.of("x", "    // README:a", "    int a = 1;", "      a++;", "    // README:end"));
    assertThat(found).containsEntry("a", "int a = 1;\n  a++;\n");
    assertThat(javaBlocks(List.of("```java", "int a = 1;", "```", "```sh", "ls", "```")))
        .containsExactly("int a = 1;\n");
  }
}
