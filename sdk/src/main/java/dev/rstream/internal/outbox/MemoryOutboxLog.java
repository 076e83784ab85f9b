package dev.rstream.internal.outbox;

import dev.rstream.LocalStore.OutboxEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An outbox kept in memory, for a client whose store keeps none: lost with the process. Its
 * producer is a new id at epoch 0, so nothing a previous process sent can be taken for a duplicate
 * of it. Thread-safe.
 */
final class MemoryOutboxLog implements OutboxLog {
  private final String producerId = "rstream-" + UUID.randomUUID();
  private final List<OutboxEntry> entries = new ArrayList<>();
  private long epoch;
  private long nextSeq;

  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public synchronized List<OutboxEntry> entries() {
    return new ArrayList<>(entries);
  }

  @Override
  public synchronized List<OutboxEntry> add(List<String> bodies) {
    List<OutboxEntry> added = new ArrayList<>(bodies.size());
    for (String body : bodies) added.add(OutboxEntry.of(producerId, epoch, nextSeq++, body));
    entries.addAll(added);
    return added;
  }

  @Override
  public synchronized void acknowledge(long epoch, long seq) {
    entries.removeIf(e -> e.seq() <= seq);
  }

  @Override
  public synchronized List<OutboxEntry> renumber(long removeSeq, long epoch, long firstSeq) {
    List<OutboxEntry> kept = new ArrayList<>(entries.size());
    for (OutboxEntry e : entries) {
      if (e.seq() != removeSeq)
        kept.add(OutboxEntry.of(producerId, epoch, firstSeq + kept.size(), e.body()));
    }
    entries.clear();
    entries.addAll(kept);
    this.epoch = epoch;
    nextSeq = firstSeq + kept.size();
    return new ArrayList<>(kept);
  }
}
