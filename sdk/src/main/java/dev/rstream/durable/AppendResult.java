package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import dev.rstream.Offset;
import okhttp3.Headers;
import org.jspecify.annotations.Nullable;

/** The outcome of an append (or close) the server accepted. Immutable. */
public final class AppendResult {
  private final int status;
  private final @Nullable Offset nextOffset;
  private final boolean streamClosed;
  private final boolean duplicate;
  private final long producerEpoch;
  private final long producerSeq;
  private final Headers headers;

  private AppendResult(Builder builder) {
    this.status = builder.status;
    this.nextOffset = builder.nextOffset;
    this.streamClosed = builder.streamClosed;
    this.duplicate = builder.duplicate;
    this.producerEpoch = builder.producerEpoch;
    this.producerSeq = builder.producerSeq;
    this.headers = builder.headers;
  }

  /** A builder; the SDK builds these, tests and fakes may too. */
  public static Builder builder() {
    return new Builder();
  }

  /** The HTTP status: 200 or 204. */
  public int status() {
    return status;
  }

  /** The tail offset after the append ({@code Stream-Next-Offset}), or null if not sent. */
  public @Nullable Offset nextOffset() {
    return nextOffset;
  }

  /** True if the stream is closed now (by this request or before). */
  public boolean streamClosed() {
    return streamClosed;
  }

  /**
   * True if an idempotent producer's batch had already been appended (204): the data is in the
   * stream exactly once.
   */
  public boolean duplicate() {
    return duplicate;
  }

  /** The producer epoch the server echoed, or -1. */
  public long producerEpoch() {
    return producerEpoch;
  }

  /** The highest producer sequence number the server accepted, or -1. */
  public long producerSeq() {
    return producerSeq;
  }

  /** All the response headers. */
  public Headers headers() {
    return headers;
  }

  @Override
  public String toString() {
    return "AppendResult{status="
        + status
        + ", nextOffset="
        + nextOffset
        + (streamClosed ? ", streamClosed" : "")
        + (duplicate ? ", duplicate" : "")
        + "}";
  }

  /** Builds an {@link AppendResult}. */
  public static final class Builder {
    private int status = 200;
    private @Nullable Offset nextOffset;
    private boolean streamClosed;
    private boolean duplicate;
    private long producerEpoch = -1;
    private long producerSeq = -1;
    private Headers headers = Headers.of();

    Builder() {}

    /** Sets {@link AppendResult#status()}. */
    public Builder status(int status) {
      this.status = status;
      return this;
    }

    /** Sets {@link AppendResult#nextOffset()}. */
    public Builder nextOffset(@Nullable Offset nextOffset) {
      this.nextOffset = nextOffset;
      return this;
    }

    /** Sets {@link AppendResult#streamClosed()}. */
    public Builder streamClosed(boolean streamClosed) {
      this.streamClosed = streamClosed;
      return this;
    }

    /** Sets {@link AppendResult#duplicate()}. */
    public Builder duplicate(boolean duplicate) {
      this.duplicate = duplicate;
      return this;
    }

    /** Sets {@link AppendResult#producerEpoch()}. */
    public Builder producerEpoch(long producerEpoch) {
      this.producerEpoch = producerEpoch;
      return this;
    }

    /** Sets {@link AppendResult#producerSeq()}. */
    public Builder producerSeq(long producerSeq) {
      this.producerSeq = producerSeq;
      return this;
    }

    /** Sets {@link AppendResult#headers()}. */
    public Builder headers(Headers headers) {
      this.headers = requireNonNull(headers, "headers == null");
      return this;
    }

    /** Builds the immutable value. */
    public AppendResult build() {
      return new AppendResult(this);
    }
  }
}
