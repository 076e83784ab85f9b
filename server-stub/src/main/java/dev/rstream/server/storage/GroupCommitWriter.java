package dev.rstream.server.storage;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer thread of a {@link FileLogStore}, with group commit: it drains everything
 * queued, writes each stream's records with one {@code write}, forces each touched file once (and
 * the directory when a file was created or deleted), then makes the changes readable, calls the
 * tail listeners and completes the futures, in queue order, on its own thread.
 *
 * <p>If the disk fails a write or an fsync, the group's futures fail and so does every change
 * queued behind it (their positions assumed the failed ones). Then the writer heals the store on
 * its own thread: it cuts each touched file back to its last durable record, resets those streams'
 * ordered state to the durable one, forgets streams whose creation never became durable, finishes
 * failed deletions, and takes changes again. Changes offered while it is failed fail at once; a
 * heal that fails is tried again a second later.
 *
 * <p>A compaction's copy is made off this thread ({@link Compactor}); the writer only switches the
 * stream to the copy between two groups ({@link LogCompaction.Copy#switchOver}).
 *
 * <p>Threading: {@link #enqueue} may be called from any thread; {@link #stop} from one.
 */
final class GroupCommitWriter {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int WRITE_BUFFER_SIZE = 1 << 20;
  private static final long HEAL_RETRY_MILLIS = 1000;

  private final Path streamsDir;
  private final Map<String, FileStream> streams;
  private final TailListeners listeners;
  private final Runnable beforeGroup;
  private final Disk disk;
  private final LogCompaction.Hook compactionHook;
  private final AtomicLong forces = new AtomicLong();
  private final Thread thread;

  private final Object queueLock = new Object();
  private final ArrayDeque<QueuedChange> queue = new ArrayDeque<>(); // guarded by queueLock
  private boolean stopping; // guarded by queueLock
  private volatile @Nullable IOException failure; // set and cleared under queueLock

  /** Failed changes whose streams are not healed yet. Writer thread only. */
  private final List<QueuedChange> unhealed = new ArrayList<>();

  /**
   * @param beforeGroup runs on the writer thread before each group drains (tests hold it to build a
   *     group)
   */
  GroupCommitWriter(
      Path streamsDir,
      Map<String, FileStream> streams,
      TailListeners listeners,
      Runnable beforeGroup,
      Disk disk,
      LogCompaction.Hook compactionHook) {
    this.disk = disk;
    this.compactionHook = compactionHook;
    this.streamsDir = streamsDir;
    this.streams = streams;
    this.listeners = listeners;
    this.beforeGroup = beforeGroup;
    this.thread = new Thread(this::writeLoop, "rstream-log-writer " + streamsDir.getParent());
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** The write failure the writer is healing from, or null. */
  @Nullable IOException failure() {
    return failure;
  }

  /** How many times the writer forced a file to disk. */
  long forceCount() {
    return forces.get();
  }

  /**
   * Queues {@code change}, or fails its future when the writer stopped or failed.
   *
   * @return whether the change was queued: the caller commits its ordered state only then
   */
  boolean enqueue(QueuedChange change) {
    synchronized (queueLock) {
      // Checked under the lock: once the writer drained the queue to heal, nothing joins it.
      IOException failed = failure;
      if (failed != null) {
        change.future.completeExceptionally(
            new IOException("store failed a write and is healing: " + failed, failed));
        return false;
      }
      if (stopping) {
        change.future.completeExceptionally(new IOException("store is closed"));
        return false;
      }
      queue.add(change);
      if (queue.size() == 1) queueLock.notifyAll();
    }
    return true;
  }

  /**
   * Commits everything queued, then stops the thread and waits for it. An interrupt does not cut
   * the wait short (pending futures must complete); it is restored on return.
   *
   * @return false when the writer was already stopping
   */
  boolean stop() {
    synchronized (queueLock) {
      if (stopping) return false;
      stopping = true;
      queueLock.notifyAll();
    }
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    return true;
  }

  private void writeLoop() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_SIZE);
    while (true) {
      if (failure != null) heal();
      synchronized (queueLock) {
        while (queue.isEmpty() && !stopping && failure == null) {
          try {
            queueLock.wait();
          } catch (InterruptedException e) {
            // Only stop() stops the writer: pending futures must complete.
          }
        }
        if (queue.isEmpty() && stopping) return;
        if (failure != null) {
          if (queue.isEmpty()) {
            try {
              queueLock.wait(HEAL_RETRY_MILLIS);
            } catch (InterruptedException e) {
              // As above.
            }
          }
          continue;
        }
      }
      beforeGroup.run();
      List<QueuedChange> group;
      synchronized (queueLock) {
        group = new ArrayList<>(queue);
        queue.clear();
      }
      // A compaction switches files where it was queued: after the records before it are
      // durable, before those after it are written (to the new file).
      List<QueuedChange> writes = new ArrayList<>();
      for (QueuedChange change : group) {
        if (change.kind != QueuedChange.Kind.COMPACT) {
          writes.add(change);
          continue;
        }
        commit(writes, buffer);
        writes = new ArrayList<>();
        switchOver(change);
      }
      commit(writes, buffer);
    }
  }

  private void switchOver(QueuedChange change) {
    LogCompaction.Copy copy = requireNonNull(change.copy);
    if (failure != null) {
      copy.discard();
      change.future.completeExceptionally(new IOException("store failed a write and is healing"));
      return;
    }
    try {
      change.future.complete(copy.switchOver(compactionHook));
    } catch (IOException | RuntimeException e) {
      log.warn("compaction of {} failed; it keeps its file", change.stream.created.path(), e);
      change.future.completeExceptionally(e);
    }
  }

  /**
   * Fails whatever is queued, then puts every stream a failed change touched back to its durable
   * state and takes changes again; on an error, stays failed for the next try.
   */
  private void heal() {
    List<QueuedChange> drained;
    synchronized (queueLock) {
      drained = new ArrayList<>(queue);
      queue.clear();
    }
    IOException failed = failure;
    for (QueuedChange change : drained) {
      change.future.completeExceptionally(new IOException("log write failed: " + failed, failed));
      if (change.kind == QueuedChange.Kind.COMPACT) {
        requireNonNull(change.copy).discard();
      } else {
        unhealed.add(change);
      }
    }
    try {
      Set<FileStream> touched = new LinkedHashSet<>();
      boolean directoryChanged = false;
      for (QueuedChange change : unhealed) {
        if (change.kind == QueuedChange.Kind.DELETE) {
          change.stream.close();
          Files.deleteIfExists(change.stream.file);
          directoryChanged = true;
        } else {
          touched.add(change.stream);
        }
      }
      for (FileStream stream : touched) {
        if (stream.deleted || stream.damage != null) continue;
        if (stream.createdDurably()) {
          stream.resetToDurable();
        } else {
          forget(stream);
          directoryChanged = true;
        }
      }
      if (directoryChanged) forceDirectory();
      unhealed.clear();
      synchronized (queueLock) {
        failure = null;
      }
      log.warn("log store healed after a failed write; taking changes again");
    } catch (IOException | RuntimeException e) {
      log.warn("log store cannot heal yet; retrying in {} ms: {}", HEAL_RETRY_MILLIS, e.toString());
    }
  }

  /** A stream whose creation never became durable: it never existed. */
  private void forget(FileStream stream) throws IOException {
    String path = stream.created.path();
    synchronized (stream) {
      stream.deleted = true;
    }
    streams.remove(path, stream);
    listeners.fire(path, 0, false, true);
    stream.close();
    if (stream.out.createdFile()) Files.deleteIfExists(stream.file);
  }

  private void forceDirectory() throws IOException {
    try (FileChannel directory = FileChannel.open(streamsDir, StandardOpenOption.READ)) {
      directory.force(true);
    }
  }

  private void commit(List<QueuedChange> group, ByteBuffer buffer) {
    if (group.isEmpty()) return;
    IOException failed = failure;
    if (failed == null) {
      try {
        write(group, buffer);
      } catch (IOException | RuntimeException e) {
        failed = e instanceof IOException ? (IOException) e : new IOException(e);
        synchronized (queueLock) {
          failure = failed;
        }
        log.error("log write failed; failing what is queued, then healing the store", e);
      }
    }
    if (failed != null) {
      unhealed.addAll(group);
      for (QueuedChange change : group) {
        change.future.completeExceptionally(new IOException("log write failed: " + failed, failed));
      }
      return;
    }
    for (QueuedChange change : group) change.stream.makeReadable(change, listeners);
  }

  /** Writes every record of the group, one write per stream, then forces each file once. */
  private void write(List<QueuedChange> group, ByteBuffer buffer) throws IOException {
    Map<FileStream, List<QueuedChange>> byStream = new LinkedHashMap<>();
    for (QueuedChange change : group) {
      byStream.computeIfAbsent(change.stream, s -> new ArrayList<>()).add(change);
    }
    boolean directoryChanged = false;
    for (Map.Entry<FileStream, List<QueuedChange>> entry : byStream.entrySet()) {
      FileStream stream = entry.getKey();
      boolean deleted = false;
      for (QueuedChange change : entry.getValue()) {
        if (change.kind == QueuedChange.Kind.DELETE) {
          deleted = true;
          break; // Nothing follows a delete: the stream left the map when it was queued.
        }
        if (change.kind == QueuedChange.Kind.CREATE) {
          stream.out.create();
          directoryChanged = true;
        }
        byte[] record = requireNonNull(change.record).bytes;
        change.fileOffset = stream.out.end() + buffer.position();
        if (record.length > buffer.remaining()) {
          flush(stream, buffer);
          if (record.length > buffer.capacity()) {
            stream.out.write(ByteBuffer.wrap(record), disk);
            continue;
          }
        }
        buffer.put(record);
      }
      flush(stream, buffer);
      if (deleted) {
        stream.close();
        Files.deleteIfExists(stream.file);
        directoryChanged = true;
      } else {
        stream.out.force(disk);
        forces.incrementAndGet();
      }
    }
    if (directoryChanged) {
      // A new or removed file is durable only once its directory entry is.
      forceDirectory();
    }
  }

  private void flush(FileStream stream, ByteBuffer buffer) throws IOException {
    buffer.flip();
    try {
      stream.out.write(buffer, disk);
    } finally {
      buffer.clear(); // a failed group must not leave its bytes for the next one
    }
  }
}
