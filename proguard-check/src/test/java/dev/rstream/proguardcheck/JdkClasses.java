package dev.rstream.proguardcheck;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The class files of some of the running JDK's modules, copied out of its run-time image ({@code
 * jrt:/}) for a shrinker to read as its library. Read from the image rather than from {@code
 * jmods/}, which a JDK need not ship.
 */
final class JdkClasses {
  private JdkClasses() {}

  /** Copies {@code modules} into {@code dir} unless a previous run did; returns {@code dir}. */
  static File copy(List<String> modules, File dir) throws IOException {
    File done = new File(dir, ".complete-" + Runtime.version().feature());
    if (done.exists()) return dir;
    FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
    Path target = dir.toPath();
    for (String module : modules) {
      Path root = jrt.getPath("/modules", module);
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          String name = root.relativize(file).toString();
          if (!name.endsWith(".class") || name.equals("module-info.class")) continue;
          Path copy = target.resolve(name);
          Files.createDirectories(copy.getParent());
          Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    Files.createFile(done.toPath());
    return dir;
  }
}
