package dev.rstream.proguardcheck;

import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import io.reactivex.rxjava3.disposables.Disposable;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small app that uses rstream the way an Android app does, to be shrunk and obfuscated with the
 * sdk's consumer rules and run: an append, a typed read of the state, and a live session that sees
 * a later append. Prints one line per step and {@code ok} last; exits 0 on success and 1 on any
 * failure (its stack trace printed), so a rule the shrunk code misses shows as a failed run.
 *
 * <p>Usage: {@code ShrinkApp STREAM_URL} (a state stream that holds no order {@code o-1}).
 */
public final class ShrinkApp {
  private static final long WAIT_SECONDS = 20;

  private ShrinkApp() {}

  public static void main(String[] args) {
    try {
      run(args[0]);
      System.out.println("ok");
      System.exit(0);
    } catch (Throwable e) {
      e.printStackTrace(System.out);
      System.exit(1);
    }
  }

  private static void run(String url) throws Exception {
    try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
      Offset placed =
          client
              .append(Change.insert("order", "o-1", Order.json("o-1", Order.Status.NEW, "tea", 2)))
              .blockingGet();
      client.awaitOffset(placed, WAIT_SECONDS, TimeUnit.SECONDS).blockingAwait();
      Order read = client.state().blockingGet().value("order", "o-1", Order.class);
      System.out.println("typed: " + read);

      BlockingQueue<Object> live = new LinkedBlockingQueue<>();
      Disposable session = client.live().subscribe(live::add, live::add);
      try {
        Order first = awaitOrder(live, Order.Status.NEW);
        System.out.println("live first: " + first);
        Offset paid =
            client
                .append(
                    Change.update("order", "o-1", Order.json("o-1", Order.Status.PAID, "tea", 3)))
                .blockingGet();
        Order next = awaitOrder(live, Order.Status.PAID);
        System.out.println("live append: " + next + " at " + paid);
      } finally {
        session.dispose();
      }
    }
  }

  /** The order from the first live state where it has {@code status}; fails on an error. */
  private static Order awaitOrder(BlockingQueue<Object> live, Order.Status status)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      Object item = live.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (item == null) throw new IllegalStateException("no live state with o-1 " + status);
      if (item instanceof Throwable)
        throw new IllegalStateException("live failed", (Throwable) item);
      Order order = ((StateView) item).value("order", "o-1", Order.class);
      if (order != null && order.status() == status) return order;
    }
  }
}
