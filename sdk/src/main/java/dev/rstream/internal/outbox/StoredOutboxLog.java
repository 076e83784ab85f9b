package dev.rstream.internal.outbox;

import dev.rstream.LocalStore;
import dev.rstream.LocalStore.OutboxEntry;
import java.util.List;
import java.util.UUID;

/**
 * The outbox of one stream in a {@link LocalStore} that {@linkplain LocalStore#keepsOutbox keeps
 * one}.
 */
final class StoredOutboxLog implements OutboxLog {
  private final LocalStore store;
  private final String streamUrl;

  StoredOutboxLog(LocalStore store, String streamUrl) {
    this.store = store;
    this.streamUrl = streamUrl;
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public List<OutboxEntry> entries() {
    return store.outbox(streamUrl);
  }

  @Override
  public List<OutboxEntry> add(List<String> bodies) {
    // The id is used only if the stream has no outbox producer yet.
    return store.addToOutbox(streamUrl, "rstream-" + UUID.randomUUID(), bodies);
  }

  @Override
  public void acknowledge(long epoch, long seq) {
    store.acknowledgeOutbox(streamUrl, epoch, seq);
  }

  @Override
  public List<OutboxEntry> renumber(long removeSeq, long epoch, long firstSeq) {
    return store.renumberOutbox(streamUrl, removeSeq, epoch, firstSeq);
  }
}
