package dev.rstream.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository stands alone: its documents and sources link and cite only what is in it (or a
 * public address), so a reader of a clone can follow every reference.
 */
class RepositoryStandsAloneTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** Build output and installed packages: not ours. */
  private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", "target", "node_modules");

  /** A relative markdown link or image: {@code [text](path)}, {@code ![alt](path)}. */
  private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  /** The sibling directory the protocol notes were once read from. */
  private static final Pattern SHARED_DIRECTORY = Pattern.compile("\\.\\./shared\\b");

  /** A tracker reference: meaningless to a reader of the repository. */
  private static final Pattern ISSUE_REFERENCE = Pattern.compile("(?i)\\bissues? #?[0-9]");

  /** The protocol cited by a bare name, not as the repository's {@code docs/} copy or a URL. */
  private static final Pattern BARE_PROTOCOL_CITATION =
      Pattern.compile("(?<![/\\w-])PROTOCOL\\.md");

  @Test
  void markdownLinksStayInsideTheRepositoryAndResolve() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path file : textFiles()) {
      if (!file.toString().endsWith(".md")) continue;
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        Matcher link = MARKDOWN_LINK.matcher(lines.get(i));
        while (link.find()) {
          String target = link.group(1);
          if (target.startsWith("#") || target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) continue;
          int anchor = target.indexOf('#');
          Path resolved =
              file.getParent()
                  .resolve(anchor < 0 ? target : target.substring(0, anchor))
                  .normalize();
          if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
            broken.add(where(file, i) + target);
          }
        }
      }
    }
    assertThat(broken).as("links outside the repository, or to nothing").isEmpty();
  }

  @Test
  void noFileCitesAPathOutsideTheRepositoryOrAnIssue() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path file : textFiles()) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        for (Pattern p : List.of(SHARED_DIRECTORY, ISSUE_REFERENCE, BARE_PROTOCOL_CITATION)) {
          if (p.matcher(line).find() && !isTestInput(file, line))
            found.add(where(file, i) + line.strip());
        }
      }
    }
    assertThat(found).as("cite docs/PROTOCOL.md by section, and say what an issue meant").isEmpty();
  }

  /**
   * The one outside path the build may name: where the test run reads the client conformance suite
   * (not on npm) by default. It is test input, never linked from documents or used by the product.
   */
  private static boolean isTestInput(Path file, String line) {
    String name = ROOT.relativize(file).toString().replace('\\', '/');
    return (name.equals("examples/pom.xml") || name.equals("examples/conformance/run.sh"))
        && line.contains("shared/conformance/client-conformance-tests");
  }

  @Test
  void theProtocolDocumentIsInTheRepository() {
    assertThat(ROOT.resolve("docs/PROTOCOL.md")).isRegularFile();
    assertThat(ROOT.resolve("pom.xml"))
        .as("the scan starts at the repository root")
        .isRegularFile();
  }

  /** Every text file of the repository: UTF-8 without NUL bytes, outside build output. */
  private static List<Path> textFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk =
        Files.walk(ROOT).filter(p -> !hasSkippedDirectory(p)).filter(Files::isRegularFile)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        // Lock files list third-party packages, not references of ours.
        if (p.getFileName().toString().equals("package-lock.json")) continue;
        byte[] bytes = Files.readAllBytes(p);
        if (isText(bytes)) files.add(p);
      }
    }
    assertThat(files).as("files under " + ROOT).isNotEmpty();
    return files;
  }

  private static boolean hasSkippedDirectory(Path p) {
    for (Path part : ROOT.relativize(p)) {
      if (SKIPPED_DIRECTORIES.contains(part.toString())) return true;
    }
    return false;
  }

  private static boolean isText(byte[] bytes) {
    for (byte b : bytes) {
      if (b == 0) return false;
    }
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static String where(Path file, int lineIndex) {
    return ROOT.relativize(file) + ":" + (lineIndex + 1) + ": ";
  }
}
