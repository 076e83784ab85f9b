package dev.rstream.server.write;

/**
 * A write the protocol refuses; nothing of it was stored. Each subclass is one reason, with the
 * values a client needs to recover (the tail of a closed stream, the sequence number a producer
 * must send next); the message names the stream. The HTTP layer maps each to its status.
 */
public abstract class WriteRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String path;

  WriteRejectedException(String path, String message) {
    super(message, null, false, false);
    this.path = path;
  }

  /** The message the refusal was made with: never null. */
  @Override
  public String getMessage() {
    return java.util.Objects.requireNonNull(super.getMessage());
  }

  /** The path of the stream written to. */
  public final String path() {
    return path;
  }

  /** No stream at the path (it never existed, expired or was deleted). */
  public static final class NotFound extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    NotFound(String path) {
      super(path, "no stream at " + path);
    }
  }

  /** A create for a path whose stream has another configuration (spec 5.1). */
  public static final class ConfigMismatch extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    ConfigMismatch(String path) {
      super(
          path,
          "stream "
              + path
              + " exists with another configuration (content type, TTL/expiry,"
              + " keyframe policy or closed status)");
    }
  }

  /** A create that lost a race with another create of the path; retrying settles it. */
  public static final class CreatedConcurrently extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    CreatedConcurrently(String path) {
      super(path, "stream " + path + " was created concurrently; retry");
    }
  }

  /** How a producer's refusal begins: {@code producer <id> on stream <path>}. */
  private static String producerOn(String path, Producer producer) {
    return "producer " + producer.id() + " on stream " + path;
  }

  /** An append to a closed stream (spec 5.3). */
  public static final class Closed extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    private final long incarnation;
    private final long tail;

    /**
     * @param tail the closed stream's final position, or -1 when not known
     */
    Closed(String path, long incarnation, long tail) {
      super(path, "stream " + path + " is closed");
      this.incarnation = incarnation;
      this.tail = tail;
    }

    /** The incarnation of the closed stream; meaningful only when {@link #tail} is known. */
    public long incarnation() {
      return incarnation;
    }

    /** The closed stream's final position, or -1 when not known. */
    public long tail() {
      return tail;
    }
  }

  /** An append whose content type is not the stream's (spec 5.2). */
  public static final class ContentTypeMismatch extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    ContentTypeMismatch(String path, String streamType, String appendType) {
      super(
          path,
          "stream " + path + " has content type " + streamType + ", the append has " + appendType);
    }
  }

  /** A producer write from an epoch older than the current one (spec 5.2.1): fenced off. */
  public static final class StaleEpoch extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    private final long currentEpoch;

    StaleEpoch(String path, Producer producer, long currentEpoch) {
      super(
          path,
          producerOn(path, producer)
              + " sent epoch "
              + producer.epoch()
              + ", the current epoch is "
              + currentEpoch);
      this.currentEpoch = currentEpoch;
    }

    /** The epoch the stream accepts from this producer id. */
    public long currentEpoch() {
      return currentEpoch;
    }
  }

  /** A producer's first write of a new epoch with a sequence number other than 0 (spec 5.2.1). */
  public static final class EpochNotStartedAtZero extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    EpochNotStartedAtZero(String path, Producer producer) {
      super(
          path,
          producerOn(path, producer)
              + " must start epoch "
              + producer.epoch()
              + " at Producer-Seq 0, not "
              + producer.seq());
    }
  }

  /** A producer write that skips sequence numbers (spec 5.2.1). */
  public static final class SequenceGap extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long received;

    SequenceGap(String path, Producer producer, long expected) {
      super(
          path,
          producerOn(path, producer)
              + " sent Producer-Seq "
              + producer.seq()
              + ", expected "
              + expected);
      this.expected = expected;
      this.received = producer.seq();
    }

    /** The sequence number the producer must send next. */
    public long expected() {
      return expected;
    }

    /** The sequence number the producer sent. */
    public long received() {
      return received;
    }
  }

  /** A {@code Stream-Seq} not above the stream's last one (spec 5.2). */
  public static final class StreamSeqRegression extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    StreamSeqRegression(String path, String streamSeq, String last) {
      super(
          path,
          "Stream-Seq "
              + streamSeq
              + " is not above the last one ("
              + last
              + ") on stream "
              + path);
    }
  }

  /** A JSON-mode body that is not one valid JSON value (spec 9.1). */
  public static final class InvalidJson extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    InvalidJson(String path, String message) {
      super(path, message);
    }
  }

  /** A unit the rstream conventions refused (a state stream's rules); the message says why. */
  public static final class RejectedByConventions extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    RejectedByConventions(String path, String reason) {
      super(path, "stream " + path + ": " + reason);
    }
  }

  /** A client write to a stream the server writes alone (a state stream's keyframe index). */
  public static final class ServerOwned extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    ServerOwned(String path, String reason) {
      super(path, reason);
    }
  }

  /** A create the conventions refuse: a state stream whose index path another stream holds. */
  public static final class IndexPathTaken extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    IndexPathTaken(String path, String reason) {
      super(path, reason);
    }
  }

  /** The store could not take the write (it failed one and is healing); the client retries. */
  public static final class StorageFailed extends WriteRejectedException {
    private static final long serialVersionUID = 1L;

    private final Throwable failure;

    StorageFailed(String path, Throwable failure) {
      super(path, "storage failed for stream " + path);
      this.failure = failure;
    }

    /** What the store failed with; for the log, not for the client. */
    public Throwable failure() {
      return failure;
    }
  }
}
