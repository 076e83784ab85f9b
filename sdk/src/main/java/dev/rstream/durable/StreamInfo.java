package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import dev.rstream.Offset;
import okhttp3.Headers;
import org.jspecify.annotations.Nullable;

/**
 * What the server says about a stream after {@code create} (PUT) or {@code head} (HEAD). Immutable.
 */
public final class StreamInfo {
  private final int status;
  private final @Nullable String contentType;
  private final @Nullable Offset nextOffset;
  private final boolean closed;
  private final long ttlSeconds;
  private final @Nullable String expiresAt;
  private final Headers headers;

  private StreamInfo(Builder builder) {
    this.status = builder.status;
    this.contentType = builder.contentType;
    this.nextOffset = builder.nextOffset;
    this.closed = builder.closed;
    this.ttlSeconds = builder.ttlSeconds;
    this.expiresAt = builder.expiresAt;
    this.headers = builder.headers;
  }

  /** A builder; the SDK builds these, tests and fakes may too. */
  public static Builder builder() {
    return new Builder();
  }

  /** The HTTP status: 201 created, 200 already existed (create) or exists (head). */
  public int status() {
    return status;
  }

  /** The stream's content type, or null if the server did not say. */
  public @Nullable String contentType() {
    return contentType;
  }

  /** The tail offset ({@code Stream-Next-Offset}), or null if the server did not send it. */
  public @Nullable Offset nextOffset() {
    return nextOffset;
  }

  /** True if the stream is closed: it accepts no more appends. */
  public boolean closed() {
    return closed;
  }

  /** The sliding time-to-live in seconds ({@code Stream-TTL}), or -1 if none. */
  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** The absolute expiry ({@code Stream-Expires-At}, RFC 3339) as sent, or null if none. */
  public @Nullable String expiresAt() {
    return expiresAt;
  }

  /** All the response headers. */
  public Headers headers() {
    return headers;
  }

  @Override
  public String toString() {
    return "StreamInfo{status="
        + status
        + ", contentType="
        + contentType
        + ", nextOffset="
        + nextOffset
        + ", closed="
        + closed
        + "}";
  }

  /** Builds a {@link StreamInfo}. */
  public static final class Builder {
    private int status = 200;
    private @Nullable String contentType;
    private @Nullable Offset nextOffset;
    private boolean closed;
    private long ttlSeconds = -1;
    private @Nullable String expiresAt;
    private Headers headers = Headers.of();

    Builder() {}

    /** Sets {@link StreamInfo#status()}. */
    public Builder status(int status) {
      this.status = status;
      return this;
    }

    /** Sets {@link StreamInfo#contentType()}. */
    public Builder contentType(@Nullable String contentType) {
      this.contentType = contentType;
      return this;
    }

    /** Sets {@link StreamInfo#nextOffset()}. */
    public Builder nextOffset(@Nullable Offset nextOffset) {
      this.nextOffset = nextOffset;
      return this;
    }

    /** Sets {@link StreamInfo#closed()}. */
    public Builder closed(boolean closed) {
      this.closed = closed;
      return this;
    }

    /** Sets {@link StreamInfo#ttlSeconds()}. */
    public Builder ttlSeconds(long ttlSeconds) {
      this.ttlSeconds = ttlSeconds;
      return this;
    }

    /** Sets {@link StreamInfo#expiresAt()}. */
    public Builder expiresAt(@Nullable String expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    /** Sets {@link StreamInfo#headers()}. */
    public Builder headers(Headers headers) {
      this.headers = requireNonNull(headers, "headers == null");
      return this;
    }

    /** Builds the immutable value. */
    public StreamInfo build() {
      return new StreamInfo(this);
    }
  }
}
