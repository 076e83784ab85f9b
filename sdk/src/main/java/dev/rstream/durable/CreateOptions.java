package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** How {@link DurableStream#create} creates a stream. Immutable; build with {@link #builder()}. */
public final class CreateOptions {
  private final String contentType;
  private final long ttlSeconds;
  private final @Nullable String expiresAt;
  private final boolean closed;
  private final byte @Nullable [] initialData;
  private final Map<String, String> headers;

  private CreateOptions(Builder builder) {
    this.contentType = builder.contentType;
    this.ttlSeconds = builder.ttlSeconds;
    this.expiresAt = builder.expiresAt;
    this.closed = builder.closed;
    this.initialData = builder.initialData;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
  }

  /** A JSON stream with no TTL, open, empty. */
  public static CreateOptions json() {
    return builder().build();
  }

  /** A builder for a JSON stream with no TTL, open, empty. */
  public static Builder builder() {
    return new Builder();
  }

  /** The content type; {@code application/json} by default. */
  public String contentType() {
    return contentType;
  }

  /** The sliding TTL in seconds, or -1 for none. */
  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** The absolute expiry (RFC 3339), or null for none. */
  public @Nullable String expiresAt() {
    return expiresAt;
  }

  /** True to create the stream closed (its initial data, if any, is all it will ever hold). */
  public boolean closed() {
    return closed;
  }

  /** The initial content, sent as the PUT body, or null for none. Not copied: do not modify. */
  public byte @Nullable [] initialData() {
    return initialData;
  }

  /** Extra headers for the create request. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Builds {@link CreateOptions}; checks each argument as it is set. */
  public static final class Builder {
    private String contentType = "application/json";
    private long ttlSeconds = -1;
    private @Nullable String expiresAt;
    private boolean closed;
    private byte @Nullable [] initialData;
    private final Map<String, String> headers = new LinkedHashMap<>();

    Builder() {}

    /** Sets {@link CreateOptions#contentType()}. */
    public Builder contentType(String contentType) {
      requireNonNull(contentType, "contentType == null");
      okhttp3.MediaType.get(contentType); // throws IllegalArgumentException if malformed
      this.contentType = contentType;
      return this;
    }

    /** A sliding TTL; exclusive with {@link #expiresAt}. */
    public Builder ttlSeconds(long ttlSeconds) {
      if (ttlSeconds < 0) throw new IllegalArgumentException("ttlSeconds < 0: " + ttlSeconds);
      this.ttlSeconds = ttlSeconds;
      return this;
    }

    /** An absolute expiry as an RFC 3339 timestamp; exclusive with {@link #ttlSeconds}. */
    public Builder expiresAt(@Nullable String expiresAt) {
      if (expiresAt != null) {
        try {
          java.time.OffsetDateTime.parse(expiresAt);
        } catch (java.time.format.DateTimeParseException e) {
          throw new IllegalArgumentException("expiresAt is not RFC 3339: " + expiresAt, e);
        }
      }
      this.expiresAt = expiresAt;
      return this;
    }

    /** Sets {@link CreateOptions#closed()}. */
    public Builder closed(boolean closed) {
      this.closed = closed;
      return this;
    }

    /** Sets {@link CreateOptions#initialData()}. */
    public Builder initialData(byte @Nullable [] initialData) {
      this.initialData = initialData;
      return this;
    }

    /** Adds a header to the request (checked for characters HTTP does not allow). */
    public Builder header(String name, String value) {
      RequestHeaders.put(headers, name, value);
      return this;
    }

    /**
     * @throws IllegalArgumentException if both a TTL and an expiry are set.
     */
    public CreateOptions build() {
      if (ttlSeconds >= 0 && expiresAt != null) {
        throw new IllegalArgumentException("ttlSeconds and expiresAt are exclusive");
      }
      return new CreateOptions(this);
    }
  }
}
