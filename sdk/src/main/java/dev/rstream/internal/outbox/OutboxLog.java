package dev.rstream.internal.outbox;

import dev.rstream.LocalStore.OutboxEntry;
import java.util.List;

/**
 * Where an {@link Outbox} keeps the entries of one stream, each with the producer identity and
 * sequence number it is sent with: a store's outbox ({@link StoredOutboxLog}), which outlives the
 * process, or memory ({@link MemoryOutboxLog}), which does not. Each method is atomic; the outbox
 * serializes them.
 */
interface OutboxLog {
  /** Whether the entries outlive the process. */
  boolean durable();

  /** The entries now, by sequence number. */
  List<OutboxEntry> entries();

  /**
   * Adds one entry per body, in their order, at the producer's next numbers, and returns them as
   * kept; nothing is added if it throws.
   */
  List<OutboxEntry> add(List<String> bodies);

  /** Removes the entry {@code seq} of {@code epoch} and every one before it. */
  void acknowledge(long epoch, long seq);

  /**
   * Removes the entry {@code removeSeq} (-1: none), then numbers the rest at {@code epoch} from
   * {@code firstSeq}, in their order; returns them as kept.
   */
  List<OutboxEntry> renumber(long removeSeq, long epoch, long firstSeq);
}
