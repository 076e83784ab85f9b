package dev.rstream.server.storage;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One change a {@link FileLogStore} ordered and handed to its {@link GroupCommitWriter}: a stream's
 * creation, an append unit, a deletion, or a compaction. Its future completes with the stream's
 * tail once the change is durable and readable, or fails when the write or the fsync failed.
 */
final class QueuedChange {
  enum Kind {
    CREATE,
    UNIT,
    DELETE,
    /**
     * Not a write: the switch-over of a {@link LogCompaction} whose copy is ready, run between two
     * groups.
     */
    COMPACT
  }

  final FileStream stream;
  final Kind kind;

  /** The record to write; null for a deletion. */
  final @Nullable LogRecord record;

  /** The stream position of the unit's first message. */
  final long unitStart;

  final boolean closes;

  /** The producer state and {@code Stream-Seq} the unit commits, or null. */
  final @Nullable ProducerState producer;

  final @Nullable String streamSeq;
  final CompletableFuture<Long> future;

  /** The compacted copy to put in place; null unless {@link Kind#COMPACT}. */
  final LogCompaction.@Nullable Copy copy;

  /** Where the record starts in the stream's file; set by the writer thread, read only by it. */
  long fileOffset;

  private QueuedChange(
      FileStream stream,
      Kind kind,
      @Nullable LogRecord record,
      long unitStart,
      boolean closes,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      CompletableFuture<Long> future,
      LogCompaction.@Nullable Copy copy) {
    this.stream = stream;
    this.kind = kind;
    this.record = record;
    this.unitStart = unitStart;
    this.closes = closes;
    this.producer = producer;
    this.streamSeq = streamSeq;
    this.future = future;
    this.copy = copy;
  }

  static QueuedChange create(
      FileStream stream, LogRecord record, boolean closes, CompletableFuture<Long> future) {
    return new QueuedChange(
        stream, Kind.CREATE, record, 0, closes, null, stream.lastStreamSeq, future, null);
  }

  static QueuedChange unit(
      FileStream stream,
      LogRecord record,
      long unitStart,
      boolean closes,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      CompletableFuture<Long> future) {
    return new QueuedChange(
        stream, Kind.UNIT, record, unitStart, closes, producer, streamSeq, future, null);
  }

  static QueuedChange compact(LogCompaction.Copy copy, CompletableFuture<Long> future) {
    return new QueuedChange(copy.stream, Kind.COMPACT, null, 0, false, null, null, future, copy);
  }

  static QueuedChange delete(FileStream stream, CompletableFuture<Long> future) {
    return new QueuedChange(stream, Kind.DELETE, null, 0, false, null, null, future, null);
  }
}
