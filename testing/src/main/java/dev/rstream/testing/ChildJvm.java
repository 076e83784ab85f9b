package dev.rstream.testing;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A main class run in a child JVM on the test's class path (by default C1 compiler only, class data
 * sharing when available, so that it starts fast), its standard error merged into its output, which
 * a thread of its own reads line by line as it comes. {@link #kill()} ends it as {@code kill -9}
 * would; {@link #close()} kills it if it still runs. Not thread-safe: one test thread.
 */
public final class ChildJvm implements AutoCloseable {
  private static final List<String> FAST_START = List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1");

  private final Process process;

  /** Lines not yet read by {@link #awaitLine}, then one empty value once the output has ended. */
  private final BlockingQueue<Optional<String>> unread = new LinkedBlockingQueue<>();

  private final List<String> output = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private ChildJvm(Process process, String name, Consumer<String> eachLine) {
    this.process = process;
    reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  output.add(line);
                  eachLine.accept(line);
                  unread.add(Optional.of(line));
                }
              } catch (IOException ignored) {
                // the child was killed
              } finally {
                unread.add(Optional.empty());
              }
            },
            "child-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code main} with {@code args} in a child JVM. */
  public static ChildJvm start(Class<?> main, String... args) throws IOException {
    return start(FAST_START, main, List.of(args), line -> {});
  }

  /**
   * Starts {@code main} with {@code args} in a child JVM run with {@code jvmOptions} in place of
   * the fast-start ones (for a child that runs long or under load), and hands each line it prints
   * to {@code eachLine} as it comes, before {@link #awaitLine} sees it, on the thread that reads
   * the output; {@code eachLine} must not block or throw.
   */
  public static ChildJvm start(
      List<String> jvmOptions, Class<?> main, List<String> args, Consumer<String> eachLine)
      throws IOException {
    requireNonNull(main, "main == null");
    requireNonNull(eachLine, "eachLine == null");
    String java = new File(System.getProperty("java.home"), "bin/java").getPath();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new ChildJvm(process, main.getSimpleName(), eachLine);
  }

  /** The child process. */
  public Process process() {
    return process;
  }

  /**
   * Reads lines not yet read by this method until one that {@code wanted} accepts, waiting up to
   * {@code timeout} for each; returns that line, or null when none came in time or the output ended
   * without one.
   */
  public @Nullable String awaitLine(Predicate<String> wanted, long timeout, TimeUnit unit)
      throws InterruptedException {
    for (Optional<String> next; (next = unread.poll(timeout, unit)) != null; ) {
      if (next.isEmpty()) {
        unread.add(next); // ended for the next call too
        return null;
      }
      if (wanted.test(next.get())) return next.get();
    }
    return null;
  }

  /** Every line the child has printed so far, each followed by a newline. */
  public String output() {
    StringBuilder text = new StringBuilder();
    for (String line : output) text.append(line).append('\n');
    return text.toString();
  }

  /**
   * Waits up to {@code timeout} for the child to exit; returns whether it did. Once it has, its
   * output has been read to the end.
   */
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) return false;
    reader.join(5_000);
    return true;
  }

  /** The exit code; fails if the child still runs. */
  public int exitValue() {
    return process.exitValue();
  }

  /** Kills the child as {@code kill -9} would and waits up to 10 s for it and its output to end. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    reader.join(5_000);
  }

  /** Kills the child if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) kill();
  }
}
