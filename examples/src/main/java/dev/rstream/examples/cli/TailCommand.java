package dev.rstream.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.Change;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rstream tail URL}: one JSON line with the current state's size and position, then one JSON
 * line per change as it arrives ({@code offset, timestamp, operation, type, key, value}). Runs
 * until interrupted (Ctrl-C, or the calling thread's interrupt in process), which ends it with
 * status 0; or until the stream is closed. It also ends with status 0, quietly, once standard
 * output takes no more lines: whoever read them has stopped (as {@code head} does in {@code rstream
 * tail URL | head -2}), which is a way to stop tailing like Ctrl-C.
 *
 * <p>A lost connection is retried by the SDK; the tool says so on standard error, and gives up with
 * {@link ExitCode#UNAVAILABLE} if every request has failed for {@code --timeout}. Keyframes are not
 * changes (they repeat the state), so they print nothing.
 */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description = "Prints the stream's changes as they arrive, one JSON line each.")
final class TailCommand implements java.util.concurrent.Callable<Integer> {
  @Mixin StreamTarget target = new StreamTarget();

  @Spec @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    if (spec == null) throw new IllegalStateException("picocli did not inject the spec");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (StreamTarget.Connection connection = target.connect()) {
      connection.requireStream();
      RStreamClient client = connection.client();
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
      AtomicBoolean first = new AtomicBoolean(true);
      AtomicBoolean lost = new AtomicBoolean();
      AtomicBoolean outputClosed = new AtomicBoolean();
      String timeout = StreamTarget.Connection.describe(connection.timeout());
      CompositeDisposable subscriptions = new CompositeDisposable();
      // Unbounded demand: live() conflates only for subscribers that ask for less, and a tail
      // must print every change. Lines are printed on the SDK's I/O thread, in order.
      subscriptions.add(
          client
              .live()
              .subscribe(
                  view -> {
                    if (outputClosed.get()) return;
                    if (!print(out, view, first.getAndSet(false))) {
                      outputClosed.set(true);
                      done.countDown();
                    }
                  },
                  e -> {
                    failure.compareAndSet(null, e);
                    done.countDown();
                  },
                  done::countDown));
      // Checked often enough that giving up is late by a fraction of the timeout at most.
      long checkMillis = Math.max(50, Math.min(1_000, connection.timeout().toMillis() / 10));
      subscriptions.add(
          Flowable.interval(checkMillis, checkMillis, TimeUnit.MILLISECONDS)
              .map(tick -> connection.failingForMillis())
              .subscribe(
                  failingFor -> {
                    if (failingFor > 0 && !lost.getAndSet(true)) {
                      note(err, "lost the connection, retrying for up to " + timeout);
                    } else if (failingFor == 0 && lost.getAndSet(false)) {
                      note(err, "reconnected");
                    }
                    if (failingFor >= connection.timeout().toMillis()) {
                      failure.compareAndSet(
                          null,
                          new CliFailure(
                              ExitCode.UNAVAILABLE,
                              "lost "
                                  + connection.url()
                                  + " and could not reconnect within "
                                  + timeout));
                      done.countDown();
                    }
                  }));
      try {
        done.await();
      } catch (InterruptedException e) {
        // Ctrl-C or the caller's interrupt: the normal way to stop tailing.
        return ExitCode.OK;
      } finally {
        subscriptions.dispose();
        out.flush();
      }
      if (outputClosed.get()) return ExitCode.OK;
      Throwable e = failure.get();
      if (e instanceof RuntimeException) throw (RuntimeException) e;
      if (e != null) throw new IllegalStateException(e);
    }
    return ExitCode.OK;
  }

  /**
   * Prints {@code view}'s lines; false once {@code out} failed to take one. A {@link PrintWriter}
   * (like {@code System.out}) swallows write errors and only reports them through {@code
   * checkError()}, so each line is checked: without that, a tail into a closed pipe would go on
   * writing into nothing for ever.
   */
  private static boolean print(PrintWriter out, StateView view, boolean first) {
    if (first) {
      ObjectNode line = JsonOutput.MAPPER.createObjectNode();
      line.put("size", view.size());
      JsonOutput.putOffset(line, "offset", view.offset());
      JsonOutput.putTime(line, "timestamp", view.timestamp());
      line.put("window", view.windowId());
      JsonOutput.print(out, line, false);
      return !out.checkError();
    }
    // One line per change, also for the changes one request appended together (one view).
    // A keyframe (or a reset) has none: the same entities, no change to show.
    for (Change change : view.changes()) {
      printChange(out, view, change);
      if (out.checkError()) return false;
    }
    return true;
  }

  private static void printChange(PrintWriter out, StateView view, Change change) {
    ObjectNode line = JsonOutput.MAPPER.createObjectNode();
    Change.Operation operation = change.operation();
    JsonOutput.putOffset(line, "offset", change.offset() != null ? change.offset() : view.offset());
    JsonOutput.putTime(line, "timestamp", change.timestamp());
    line.put("operation", operation.wireName());
    line.put("type", change.type());
    line.put("key", change.key());
    String value = change.value();
    if (value != null) line.set("value", JsonOutput.value(value));
    JsonOutput.print(out, line, false);
  }

  private static void note(PrintWriter err, String message) {
    err.println("rstream tail: " + message);
    err.flush();
  }
}
