package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How an {@link IdempotentProducer} identifies itself and batches. Immutable; build with {@link
 * #builder(String)}. Every option is checked when set; bad values throw {@link
 * IllegalArgumentException} naming the option.
 */
public final class ProducerOptions {
  /** JavaScript's largest safe integer: the protocol's bound on epochs and sequence numbers. */
  static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  private final String producerId;
  private final long epoch;
  private final boolean autoClaim;
  private final String contentType;
  private final long maxBatchBytes;
  private final int maxBatchItems;
  private final long lingerMillis;
  private final int maxInFlight;
  private final Map<String, String> headers;

  private ProducerOptions(Builder builder) {
    this.producerId = builder.producerId;
    this.epoch = builder.epoch;
    this.autoClaim = builder.autoClaim;
    this.contentType = builder.contentType;
    this.maxBatchBytes = builder.maxBatchBytes;
    this.maxBatchItems = builder.maxBatchItems;
    this.lingerMillis = builder.lingerMillis;
    this.maxInFlight = builder.maxInFlight;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
  }

  /**
   * A builder for a producer named {@code producerId}: a stable, non-empty identifier that survives
   * restarts of the writer.
   */
  public static Builder builder(String producerId) {
    return new Builder(producerId);
  }

  /** The producer's stable identifier ({@code Producer-Id}). */
  public String producerId() {
    return producerId;
  }

  /**
   * The epoch the producer starts with; 0 by default. A producer that restarts without knowing
   * which sequence numbers it used must start a higher epoch (or enable {@link #autoClaim()}): in
   * the same epoch the server would take its first batches for duplicates and drop them.
   */
  public long epoch() {
    return epoch;
  }

  /**
   * True to claim epoch {@code server epoch + 1} when fenced, instead of failing; false by default.
   * The fenced batches are sent again under the new epoch, numbered from 0, except a batch fenced
   * after an attempt whose answer was lost (the connection dropped, a timeout): the server may have
   * applied that attempt at the old epoch, and it deduplicates only within an epoch, so sending it
   * again could apply it twice. That batch fails with a {@link dev.rstream.RejectedWriteException}
   * whose {@link dev.rstream.RejectedWriteException#mayHaveBeenApplied() mayHaveBeenApplied()} is
   * true (its cause is the {@link dev.rstream.ProducerFencedException}, its {@code changes()}
   * empty); read the stream to find out. Later batches go on under the new epoch.
   */
  public boolean autoClaim() {
    return autoClaim;
  }

  /** The content type of appends; must match the stream's. {@code application/json} by default. */
  public String contentType() {
    return contentType;
  }

  /** A batch is sent once its body reaches this many bytes; 1 MiB by default. */
  public long maxBatchBytes() {
    return maxBatchBytes;
  }

  /**
   * A batch is sent once it holds this many messages; no limit by default ({@link
   * Integer#MAX_VALUE}): batches are bounded by {@link #maxBatchBytes()}, as in the other Durable
   * Streams clients. A cap of 1000 made 100-byte messages travel in ten times as many requests (100
   * KB each) and halved the producer's throughput against the reference server.
   */
  public int maxBatchItems() {
    return maxBatchItems;
  }

  /** How long a batch that is not full waits for more messages, in ms; 5 by default. */
  public long lingerMillis() {
    return lingerMillis;
  }

  /** The most batches sent and not yet acknowledged; 5 by default. */
  public int maxInFlight() {
    return maxInFlight;
  }

  /** Extra headers sent with every request of the producer. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Builds {@link ProducerOptions}. */
  public static final class Builder {
    private final String producerId;
    private long epoch;
    private boolean autoClaim;
    private String contentType = "application/json";
    private long maxBatchBytes = 1024 * 1024;
    private int maxBatchItems = Integer.MAX_VALUE;
    private long lingerMillis = 5;
    private int maxInFlight = 5;
    private final Map<String, String> headers = new LinkedHashMap<>();

    Builder(String producerId) {
      requireNonNull(producerId, "producerId == null");
      if (producerId.isEmpty()) throw new IllegalArgumentException("producerId is empty");
      okhttp3.Headers.of("Producer-Id", producerId); // must be sendable as a header value
      this.producerId = producerId;
    }

    /** Sets {@link ProducerOptions#epoch()}. */
    public Builder epoch(long epoch) {
      if (epoch < 0 || epoch > MAX_SAFE_INTEGER) {
        throw new IllegalArgumentException("epoch must be in [0, 2^53-1]: " + epoch);
      }
      this.epoch = epoch;
      return this;
    }

    /** Sets {@link ProducerOptions#autoClaim()}. */
    public Builder autoClaim(boolean autoClaim) {
      this.autoClaim = autoClaim;
      return this;
    }

    /** Sets {@link ProducerOptions#contentType()}. */
    public Builder contentType(String contentType) {
      requireNonNull(contentType, "contentType == null");
      okhttp3.MediaType.get(contentType);
      this.contentType = contentType;
      return this;
    }

    /** Sets {@link ProducerOptions#maxBatchBytes()}. */
    public Builder maxBatchBytes(long maxBatchBytes) {
      if (maxBatchBytes <= 0) {
        throw new IllegalArgumentException("maxBatchBytes must be > 0: " + maxBatchBytes);
      }
      this.maxBatchBytes = maxBatchBytes;
      return this;
    }

    /** Sets {@link ProducerOptions#maxBatchItems()}. */
    public Builder maxBatchItems(int maxBatchItems) {
      if (maxBatchItems <= 0) {
        throw new IllegalArgumentException("maxBatchItems must be > 0: " + maxBatchItems);
      }
      this.maxBatchItems = maxBatchItems;
      return this;
    }

    /** Sets {@link ProducerOptions#lingerMillis()}. */
    public Builder linger(long linger, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (linger < 0) throw new IllegalArgumentException("lingerMs must be >= 0: " + linger);
      this.lingerMillis = unit.toMillis(linger);
      return this;
    }

    /** Sets {@link ProducerOptions#maxInFlight()}. */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight <= 0) {
        throw new IllegalArgumentException("maxInFlight must be > 0: " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    /** Adds a header to the request (checked for characters HTTP does not allow). */
    public Builder header(String name, String value) {
      RequestHeaders.put(headers, name, value);
      return this;
    }

    /** Builds the immutable value. */
    public ProducerOptions build() {
      return new ProducerOptions(this);
    }
  }
}
