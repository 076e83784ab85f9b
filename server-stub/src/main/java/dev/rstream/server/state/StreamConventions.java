package dev.rstream.server.state;

import dev.rstream.server.storage.StreamMeta;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The rstream conventions as the write path sees them: it calls these hooks for every stream, and
 * they do nothing to streams created without {@code Rstream-Keyframes} (docs/PROTOCOL.md 3.0).
 *
 * <p>Locking: the write path calls {@link #beforeAppend} and {@link #afterAppend} while it holds
 * the stream's append lock, so they see units in stream order and must not block on I/O. For one
 * unit, {@code afterAppend} follows its {@code beforeAppend} within the same hold of the lock (or
 * not at all, when the store refused the unit): implementations may pair the two calls. Units the
 * conventions write themselves (keyframes, index entries) go through {@link UnitAppender}, which
 * takes the same lock; the hooks are called for those units too.
 *
 * <p>Lifecycle: {@link #start} once, before the server takes requests; hooks from any request
 * thread after that; {@link #close} last.
 */
public interface StreamConventions extends AutoCloseable {

  /**
   * Parses an {@code Rstream-Keyframes} header value ({@code changes=N, interval=Ts}, either part
   * optional) and returns it normalised, so that equal policies compare equal for the 409 check.
   *
   * @throws IllegalArgumentException with a message for the 400 body when the value is malformed
   */
  String normalisePolicy(String headerValue);

  /**
   * The retention a state stream is created with: {@code headerValue} (an {@code Rstream-Retention}
   * value) normalised, or the server's default when it is null; null to keep everything. The
   * default keeps everything.
   *
   * @throws IllegalArgumentException with a message for the 400 body when the value is malformed
   */
  default @Nullable String normaliseRetention(@Nullable String headerValue) {
    return headerValue == null ? null : RetentionPolicy.parse(headerValue).toString();
  }

  /**
   * Why a client may not create, append to or delete the stream at {@code path} (a state stream's
   * keyframe index is written by the server only), or null when it may. Called under that path's
   * lock.
   */
  default @Nullable String serverOwned(String path) {
    return null;
  }

  /**
   * Why the stream at {@code path} with {@code keyframePolicy} (null: a plain stream) may not be
   * created (a state stream whose index path another stream holds), or null when it may. Called
   * under that path's lock, before anything is stored.
   */
  default @Nullable String refuseCreate(String path, @Nullable String keyframePolicy) {
    return null;
  }

  /**
   * Called under the append lock before a client's unit is stored. Returns the messages to store:
   * for state streams, changes without {@code headers.timestamp} stamped with {@code nowMillis}.
   *
   * @throws AppendRejectedException when the unit must not be appended (on a state stream: a
   *     message that is not a valid change, a control, a timestamp earlier than the stream's last
   *     one); nothing of the unit is stored
   */
  List<byte[]> beforeAppend(StreamMeta meta, List<byte[]> messages, long nowMillis)
      throws AppendRejectedException;

  /**
   * Called under the append lock once the store has ordered the unit ({@code storedMessages} as
   * stored, {@code tailPosition} after it). State streams update their materialised state and
   * schedule a keyframe when the policy says one is due (written later, through the appender).
   */
  void afterAppend(StreamMeta meta, List<byte[]> storedMessages, long tailPosition);

  /**
   * Called when a unit passed to {@link #afterAppend} did not become durable (the store failed to
   * write it): state built from it must be rebuilt from the store before the next unit. Called on
   * the store's thread; must not block.
   */
  default void afterWriteFailed(StreamMeta meta) {}

  /**
   * Called once a stream was created (not on an idempotent re-create), on the creating request's
   * thread and before any other unit of the stream is appended; a lock held here must be reentrant,
   * because a state stream gets its first keyframe (possibly empty) and its {@code
   * {path}.keyframes} companion stream here, appended through the {@link UnitAppender} on this
   * thread before this returns.
   */
  void afterCreate(StreamMeta meta);

  /**
   * Called once a stream was deleted (or expired): forget its state, delete its companion index
   * stream. Called without the stream's lock.
   */
  void afterDelete(String path);

  /**
   * Rebuilds every state stream's materialised state from the store and starts the interval timers.
   * Called once, before the server accepts requests.
   */
  void start(UnitAppender appender);

  /** Stops timers; writes nothing more. */
  @Override
  void close();
}
