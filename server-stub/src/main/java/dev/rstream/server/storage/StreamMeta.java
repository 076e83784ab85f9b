package dev.rstream.server.storage;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a stream was created with, plus its current tail and closed flag, as stored. Immutable;
 * {@link LogStore#meta} returns a fresh snapshot.
 *
 * @param path the stream's path below the server's stream root, already validated
 * @param incarnation a value unique to this creation of the path (a deleted and re-created stream
 *     gets another), so that clients can tell the two apart (ETag, offsets)
 * @param contentType the stream's content type as given at creation, lower-cased media type
 * @param ttlSeconds sliding time to live, or null
 * @param expiresAtMillis absolute expiry in epoch millis, or null
 * @param keyframePolicy the raw {@code Rstream-Keyframes} header the stream was created with, or
 *     null for a plain Durable Streams stream
 * @param createdAtMillis creation time in epoch millis
 * @param tailPosition position after the last durable message
 * @param closed whether the stream is closed
 * @param lastStreamSeq the last {@code Stream-Seq} accepted, or null
 * @param retention the normalised {@code Rstream-Retention} the stream was created with, or null to
 *     keep everything
 * @param startPosition position of the first message still held: 0 until {@link LogStore#trim}
 *     dropped the messages before it
 */
public record StreamMeta(
    String path,
    long incarnation,
    String contentType,
    @Nullable Long ttlSeconds,
    @Nullable Long expiresAtMillis,
    @Nullable String keyframePolicy,
    long createdAtMillis,
    long tailPosition,
    boolean closed,
    @Nullable String lastStreamSeq,
    @Nullable String retention,
    long startPosition) {

  public StreamMeta {
    Objects.requireNonNull(path, "path == null");
    Objects.requireNonNull(contentType, "contentType == null");
  }

  /** A stream that keeps everything ({@code retention} null) and was never trimmed. */
  public StreamMeta(
      String path,
      long incarnation,
      String contentType,
      @Nullable Long ttlSeconds,
      @Nullable Long expiresAtMillis,
      @Nullable String keyframePolicy,
      long createdAtMillis,
      long tailPosition,
      boolean closed,
      @Nullable String lastStreamSeq) {
    this(
        path,
        incarnation,
        contentType,
        ttlSeconds,
        expiresAtMillis,
        keyframePolicy,
        createdAtMillis,
        tailPosition,
        closed,
        lastStreamSeq,
        null,
        0);
  }

  /** This metadata with {@code retention} instead. */
  public StreamMeta withRetention(@Nullable String retention) {
    return copy(incarnation, tailPosition, closed, lastStreamSeq, retention, startPosition);
  }

  /**
   * What this stream was created with, as created under {@code incarnation}: no message, not
   * closed, no {@code Stream-Seq}, starting at 0.
   */
  public StreamMeta asCreated(long incarnation) {
    return copy(incarnation, 0, false, null, retention, 0);
  }

  /** What this stream was created with, holding the given state. */
  public StreamMeta withState(
      long tailPosition, boolean closed, @Nullable String lastStreamSeq, long startPosition) {
    return copy(incarnation, tailPosition, closed, lastStreamSeq, retention, startPosition);
  }

  /** The one copy: the fields set at creation stay, the others are given. */
  private StreamMeta copy(
      long incarnation,
      long tailPosition,
      boolean closed,
      @Nullable String lastStreamSeq,
      @Nullable String retention,
      long startPosition) {
    return new StreamMeta(
        path,
        incarnation,
        contentType,
        ttlSeconds,
        expiresAtMillis,
        keyframePolicy,
        createdAtMillis,
        tailPosition,
        closed,
        lastStreamSeq,
        retention,
        startPosition);
  }
}
