package dev.rstream.internal.outbox;

import dev.rstream.LocalStore;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The one {@link Outbox} per store and stream in this process, shared by every client on them, so
 * that one sender at a time owns the outbox producer's identity (see {@link Outbox}). Each {@link
 * #open} is matched by one {@link #release}; the last release closes the outbox.
 */
public final class Outboxes {
  private static final Map<LocalStore, Map<String, Shared>> open = new IdentityHashMap<>();

  private Outboxes() {}

  private static final class Shared {
    final Outbox outbox;
    int users;

    Shared(Outbox outbox) {
      this.outbox = outbox;
    }
  }

  /**
   * The outbox of {@code streamUrl} in {@code store} (which keeps one), read from the store by the
   * first client to open it.
   *
   * @throws dev.rstream.LocalStoreException if the store cannot be read.
   */
  public static Outbox open(LocalStore store, String streamUrl) {
    synchronized (open) {
      Map<String, Shared> streams = open.computeIfAbsent(store, s -> new HashMap<>());
      Shared shared = streams.get(streamUrl);
      if (shared == null) {
        try {
          shared = new Shared(new Outbox(streamUrl, store));
        } catch (RuntimeException e) {
          if (streams.isEmpty()) open.remove(store);
          throw e;
        }
        streams.put(streamUrl, shared);
      }
      shared.users++;
      return shared.outbox;
    }
  }

  /**
   * A new outbox of {@code streamUrl} in memory, for one client whose store keeps none: no other
   * client shares it, and it is lost with the process.
   */
  public static Outbox inMemory(String streamUrl) {
    return new Outbox(streamUrl, new MemoryOutboxLog());
  }

  /**
   * Detaches {@code link} of a client that opened {@code outbox} (or made it {@linkplain #inMemory
   * in memory}); the last one closes it.
   */
  public static void release(LocalStore store, String streamUrl, Outbox outbox, OutboxLink link) {
    outbox.detach(link);
    if (!outbox.durable()) {
      outbox.close();
      return;
    }
    boolean last;
    synchronized (open) {
      Map<String, Shared> streams = open.get(store);
      if (streams == null) return;
      Shared shared = streams.get(streamUrl);
      if (shared == null || shared.outbox != outbox) return;
      last = --shared.users == 0;
      if (last) {
        streams.remove(streamUrl);
        if (streams.isEmpty()) open.remove(store);
      }
    }
    if (last) outbox.close();
  }
}
