package dev.rstream.server.state;

import static dev.rstream.server.state.RealStreamConventions.INDEX_SUFFIX;

import dev.rstream.server.state.StreamState.FoundKeyframe;
import dev.rstream.server.storage.InvalidPositionException;
import dev.rstream.server.storage.LogStore;
import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.ReadResult;
import dev.rstream.server.storage.StreamMeta;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads state streams back from the store: every one at start, to rebuild its materialised state,
 * re-append the index entries a crash lost and write the first keyframe a crash prevented; and one
 * whose state took a unit that never became durable, so that no keyframe carries a change that is
 * not in the stream.
 *
 * <p>Threading: {@link #rebuildAll} before the server takes requests; {@link #replayIfNeeded} under
 * the stream's append lock.
 */
final class StateRebuild {
  private static final Logger log = LoggerFactory.getLogger(StateRebuild.class);

  private static final int READ_PAGE_BYTES = 1 << 20;

  private final LogStore store;
  private final OffsetFormat offsetFormat;
  private final Clock clock;
  private final StateStreams streams;
  private final KeyframeWriter keyframes;
  private final WindowRetention retention;

  StateRebuild(
      LogStore store,
      OffsetFormat offsetFormat,
      Clock clock,
      StateStreams streams,
      KeyframeWriter keyframes,
      WindowRetention retention) {
    this.store = store;
    this.offsetFormat = offsetFormat;
    this.clock = clock;
    this.streams = streams;
    this.keyframes = keyframes;
    this.retention = retention;
  }

  /** Rebuilds every state stream in the store; one that cannot be read is logged and skipped. */
  void rebuildAll() {
    for (StreamMeta meta : store.streams()) {
      if (meta.keyframePolicy() == null) continue;
      try {
        rebuild(meta);
      } catch (NoSuchStreamException e) {
        // Deleted while we read it: nothing to rebuild.
      } catch (InvalidPositionException | UncheckedIOException e) {
        // Unreadable (damaged on disk, fenced by the store): its readers get the store's error.
        log.error("Cannot rebuild state stream {}: {}", meta.path(), e.getMessage());
      }
    }
  }

  /** Replays the stream from its start, then queues the index repair or the missing keyframe. */
  private void rebuild(StreamMeta meta) throws NoSuchStreamException, InvalidPositionException {
    List<FoundKeyframe> found = new ArrayList<>();
    StreamState s = replay(meta, found);
    streams.put(s);
    synchronized (s) {
      s.keyframeInFlight = true;
      s.finished = meta.closed();
    }
    if (found.isEmpty() && !meta.closed()) {
      keyframes.submit(s); // created, then crashed before its first keyframe was stored
    } else {
      keyframes.repairIndex(s, missingIndexEntries(meta, found));
    }
  }

  /**
   * Under the append lock: after a unit that never became durable, the state is read again from
   * what the store holds.
   *
   * @throws AppendRejectedException when the store cannot be read: the next unit must wait
   */
  void replayIfNeeded(StreamMeta meta, StreamState s) throws AppendRejectedException {
    synchronized (s) {
      if (!s.needsReplay) return;
    }
    try {
      StreamState fresh = replay(meta, new ArrayList<>());
      s.replaceContent(fresh);
    } catch (NoSuchStreamException | InvalidPositionException | UncheckedIOException e) {
      throw new AppendRejectedException(
          "state of "
              + meta.path()
              + " cannot be read back after a failed write: "
              + e.getMessage());
    }
  }

  /** The state of the stream's readable messages, read from the store from its start. */
  private StreamState replay(StreamMeta meta, List<FoundKeyframe> found)
      throws NoSuchStreamException, InvalidPositionException {
    StreamState s = streams.empty(meta);
    // Retention may have dropped the start: the stream then begins with the keyframe it kept.
    StreamMeta stored = store.meta(meta.path());
    long position = stored == null ? 0 : stored.startPosition();
    long previousUnitEnd = -1;
    while (true) {
      ReadResult r = store.read(meta.path(), position, READ_PAGE_BYTES);
      List<byte[]> messages = r.messages();
      for (int i = 0; i < messages.size(); i++) {
        long unitEnd = r.unitEndPositions()[i];
        s.apply(
            StateMessage.parseStored(messages.get(i)),
            position,
            unitEnd != previousUnitEnd,
            clock.millis(),
            found);
        previousUnitEnd = unitEnd;
        position += messages.get(i).length;
      }
      if (messages.isEmpty() || r.upToDate()) break;
      position = r.nextPosition();
    }
    return s;
  }

  /**
   * The keyframes after the last one the index lists; tells retention those it lists. The index
   * only lags at its end (an entry is appended after its keyframe is durable); a hole in the middle
   * is logged, not patched, because appending it would break the index's order.
   */
  private List<FoundKeyframe> missingIndexEntries(StreamMeta meta, List<FoundKeyframe> found)
      throws InvalidPositionException {
    String path = meta.path();
    long incarnation = meta.incarnation();
    Map<String, Long> indexed = indexedOffsets(path);
    int lastIndexed = -1;
    for (int i = 0; i < found.size(); i++) {
      if (indexed.containsKey(offsetFormat.format(incarnation, found.get(i).position())))
        lastIndexed = i;
    }
    List<WindowRetention.Kept> listed = new ArrayList<>();
    for (int i = 0; i <= lastIndexed; i++) {
      FoundKeyframe k = found.get(i);
      Long entry = indexed.get(offsetFormat.format(incarnation, k.position()));
      if (entry == null) {
        log.warn("Keyframe index of {} lacks the keyframe at {}", path, k.position());
      } else {
        listed.add(
            new WindowRetention.Kept(k.position(), WindowRetention.millis(k.timestamp()), entry));
      }
    }
    retention.rebuilt(meta, listed);
    return new ArrayList<>(found.subList(lastIndexed + 1, found.size()));
  }

  /** Each offset the index of {@code path} lists, to where its entry starts in the index. */
  private Map<String, Long> indexedOffsets(String path) throws InvalidPositionException {
    Map<String, Long> indexed = new HashMap<>();
    try {
      StreamMeta index = store.meta(path + INDEX_SUFFIX);
      long position = index == null ? 0 : index.startPosition();
      while (true) {
        ReadResult r = store.read(path + INDEX_SUFFIX, position, READ_PAGE_BYTES);
        long at = position;
        for (byte[] entry : r.messages()) {
          String offset = StateMessage.indexEntryOffset(entry);
          if (offset != null) indexed.put(offset, at);
          at += entry.length;
        }
        if (r.messages().isEmpty() || r.upToDate()) break;
        position = r.nextPosition();
      }
    } catch (NoSuchStreamException e) {
      // No index yet: every keyframe is missing.
    }
    return indexed;
  }
}
