package dev.rstream.durable;

import dev.rstream.SequenceRegressionException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Per-append settings for {@link DurableStream}'s append methods. Immutable. */
public final class AppendOptions {
  private static final AppendOptions NONE = builder().build();

  private final @Nullable String seq;
  private final boolean close;
  private final Map<String, String> headers;

  private AppendOptions(Builder builder) {
    this.seq = builder.seq;
    this.close = builder.close;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
  }

  /** No sequence, no close, no extra headers. */
  public static AppendOptions none() {
    return NONE;
  }

  /** A builder with no sequence, no close and no extra headers. */
  public static Builder builder() {
    return new Builder();
  }

  /** The {@code Stream-Seq} writer sequence (compared lexicographically by the server), or null. */
  public @Nullable String seq() {
    return seq;
  }

  /** True to close the stream atomically with this append. */
  public boolean close() {
    return close;
  }

  /** Extra headers for the append request. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Builds {@link AppendOptions}. */
  public static final class Builder {
    private @Nullable String seq;
    private boolean close;
    private final Map<String, String> headers = new LinkedHashMap<>();

    Builder() {}

    /**
     * Sets {@code Stream-Seq}: the server refuses a value not above the last one, and the append
     * fails with {@link SequenceRegressionException}.
     */
    public Builder seq(@Nullable String seq) {
      if (seq != null) okhttp3.Headers.of("Stream-Seq", seq);
      if (seq != null && seq.isEmpty()) throw new IllegalArgumentException("seq is empty");
      this.seq = seq;
      return this;
    }

    /** Sets {@link AppendOptions#close()}. */
    public Builder close(boolean close) {
      this.close = close;
      return this;
    }

    /** Adds a header to the request (checked for characters HTTP does not allow). */
    public Builder header(String name, String value) {
      RequestHeaders.put(headers, name, value);
      return this;
    }

    /** Builds the immutable value. */
    public AppendOptions build() {
      return new AppendOptions(this);
    }
  }
}
