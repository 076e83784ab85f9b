package dev.rstream;

import java.io.File;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The app {@link StoreKillTest} kills: follows a stream live over a {@link SqliteStore} until it is
 * killed. Prints {@code live} once it has a state, so the parent knows it is writing.
 */
public final class StoreCrashChild {
  private StoreCrashChild() {}

  public static void main(String[] args) throws Exception {
    SqliteStore store = SqliteStore.open(new File(args[1]));
    RStreamClient client = RStreamClient.builder().streamUrl(args[0]).store(store).build();
    AtomicBoolean told = new AtomicBoolean();
    if (args.length > 2) {
      client.progress().subscribe(p -> System.out.println("progress " + p));
    }
    client
        .live()
        .subscribe(
            view -> {
              if (!view.fromStore() && told.compareAndSet(false, true)) {
                System.out.println("live");
                System.out.flush();
              }
            },
            error -> {
              error.printStackTrace();
              System.exit(2);
            });
    Thread.sleep(Long.MAX_VALUE);
  }
}
