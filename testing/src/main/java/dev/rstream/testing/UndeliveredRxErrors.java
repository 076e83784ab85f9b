package dev.rstream.testing;

import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Collects the errors RxJava hands to {@link RxJavaPlugins#setErrorHandler} (an error with no
 * subscriber left to take it) and fails the test on any.
 *
 * <p>As an extension ({@code @ExtendWith(UndeliveredRxErrors.class)}, or {@code @RegisterExtension}
 * to read {@link #errors()}) it installs the handler before each test and, after the test's own
 * {@code @AfterEach} methods have closed its clients, resets the plugins and fails the test if
 * anything arrived. A fixture that is not an extension calls {@link #install()} and {@link
 * #uninstallAndAssertNone()} itself. The handler is global: tests that use it must not run
 * concurrently with each other.
 */
public final class UndeliveredRxErrors implements BeforeEachCallback, AfterEachCallback {
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();

  /** Sends undeliverable errors here from now on; forgets those collected before. */
  public void install() {
    errors.clear();
    RxJavaPlugins.setErrorHandler(errors::add);
  }

  /** The errors collected since {@link #install()}, oldest first. Thread-safe. */
  public List<Throwable> errors() {
    return new ArrayList<>(errors);
  }

  /** Restores RxJava's default handler; returns what was collected. */
  public List<Throwable> uninstall() {
    RxJavaPlugins.reset();
    return errors();
  }

  /**
   * Restores RxJava's default handler, then throws an {@link AssertionError} naming every error
   * collected (the first as its cause, the others suppressed) if there was any.
   */
  public void uninstallAndAssertNone() {
    List<Throwable> collected = uninstall();
    if (collected.isEmpty()) return;
    AssertionError failure =
        new AssertionError(
            collected.size() + " undelivered Rx error(s): " + collected, collected.get(0));
    for (Throwable other : collected.subList(1, collected.size())) failure.addSuppressed(other);
    throw failure;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    install();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    uninstallAndAssertNone();
  }
}
