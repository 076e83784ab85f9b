package dev.rstream.testing;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@link Schedulers#io()} that knows which delayed tasks (backoff waits, reconnects) are pending:
 * scheduled, not run yet and not disposed. With none pending and no call open, a client sends no
 * request until told to: a claim a test can check without waiting to see nothing happen.
 */
public final class PendingTimers extends Scheduler {
  private final Scheduler delegate = Schedulers.io();
  private final Set<Object> pending = ConcurrentHashMap.newKeySet();

  /** How many delayed tasks wait to run. */
  public int pending() {
    return pending.size();
  }

  @Override
  public Worker createWorker() {
    Worker worker = delegate.createWorker();
    Set<Object> mine = ConcurrentHashMap.newKeySet();
    return new Worker() {
      @Override
      public Disposable schedule(Runnable run, long delay, TimeUnit unit) {
        if (delay <= 0) return worker.schedule(run, delay, unit);
        Object token = new Object();
        pending.add(token);
        mine.add(token);
        Disposable task =
            worker.schedule(
                () -> {
                  forget(token);
                  run.run();
                },
                delay,
                unit);
        return Disposable.fromRunnable(
            () -> {
              forget(token);
              task.dispose();
            });
      }

      private void forget(Object token) {
        mine.remove(token);
        pending.remove(token);
      }

      @Override
      public void dispose() {
        worker.dispose(); // and with it every task it had pending
        pending.removeAll(mine);
        mine.clear();
      }

      @Override
      public boolean isDisposed() {
        return worker.isDisposed();
      }
    };
  }
}
