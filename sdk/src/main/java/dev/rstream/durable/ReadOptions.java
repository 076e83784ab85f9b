package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import dev.rstream.Offset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What {@link DurableStream#read} reads: where it starts, where it stops and how it waits for new
 * data. Immutable; build with {@link #builder()}.
 */
public final class ReadOptions {
  private final Offset offset;
  private final LiveMode liveMode;
  private final @Nullable Offset endOffset;
  private final @Nullable String cursor;
  private final int maxBatchMessages;
  private final long liveReadTimeoutMillis;
  private final Map<String, String> headers;

  private ReadOptions(Builder builder) {
    this.offset = builder.offset;
    this.liveMode = builder.liveMode;
    this.endOffset = builder.endOffset;
    this.cursor = builder.cursor;
    this.maxBatchMessages = builder.maxBatchMessages;
    this.liveReadTimeoutMillis = builder.liveReadTimeoutMillis;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
  }

  /** A builder that reads from {@link Offset#START}, catch-up only ({@link LiveMode#OFF}). */
  public static Builder builder() {
    return new Builder();
  }

  /** Catch-up from {@code offset} until up to date. */
  public static ReadOptions from(Offset offset) {
    return builder().offset(offset).build();
  }

  /** A builder initialised with these options. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** The offset the read starts from (exclusive of what came before it). */
  public Offset offset() {
    return offset;
  }

  /** How the read behaves once it has caught up. */
  public LiveMode liveMode() {
    return liveMode;
  }

  /**
   * The offset at which the read stops, or null to read until up to date ({@link LiveMode#OFF}) or
   * forever (live modes). The read completes after the first batch whose {@link
   * ReadBatch#nextOffset()} reaches or passes it; that batch is delivered whole (the server decides
   * batch boundaries), so callers that need an exact cut filter by message offsets.
   */
  public @Nullable Offset endOffset() {
    return endOffset;
  }

  /** The long-poll cursor to echo on the first live request, or null. */
  public @Nullable String cursor() {
    return cursor;
  }

  /**
   * The most messages one {@link ReadBatch} holds. A larger response is delivered as several
   * batches; all but the last are {@linkplain ReadBatch#partial() partial}.
   */
  public int maxBatchMessages() {
    return maxBatchMessages;
  }

  /**
   * How long a live request (long-poll or SSE) may stay silent before the client gives up on the
   * connection and reconnects, in milliseconds. Catch-up requests use the {@code OkHttpClient}'s
   * read timeout.
   */
  public long liveReadTimeoutMillis() {
    return liveReadTimeoutMillis;
  }

  /** Extra static headers sent with every request of this read (after the stream's own). */
  public Map<String, String> headers() {
    return headers;
  }

  /** Builds {@link ReadOptions}; checks each argument as it is set. */
  public static final class Builder {
    private Offset offset = Offset.START;
    private LiveMode liveMode = LiveMode.OFF;
    private @Nullable Offset endOffset;
    private @Nullable String cursor;
    private int maxBatchMessages = 1000;
    private long liveReadTimeoutMillis = 90_000;
    private final Map<String, String> headers = new LinkedHashMap<>();

    Builder() {}

    Builder(ReadOptions options) {
      offset = options.offset;
      liveMode = options.liveMode;
      endOffset = options.endOffset;
      cursor = options.cursor;
      maxBatchMessages = options.maxBatchMessages;
      liveReadTimeoutMillis = options.liveReadTimeoutMillis;
      headers.putAll(options.headers);
    }

    /** Where to start; {@link Offset#START} by default. */
    public Builder offset(Offset offset) {
      this.offset = requireNonNull(offset, "offset == null");
      return this;
    }

    /** How to wait for new data; {@link LiveMode#OFF} by default. */
    public Builder liveMode(LiveMode liveMode) {
      this.liveMode = requireNonNull(liveMode, "liveMode == null");
      return this;
    }

    /** Where to stop, or null (the default) for no end; see {@link ReadOptions#endOffset()}. */
    public Builder endOffset(@Nullable Offset endOffset) {
      if (endOffset != null && (endOffset.isStart() || endOffset.isNow())) {
        throw new IllegalArgumentException("endOffset must be a server offset: " + endOffset);
      }
      this.endOffset = endOffset;
      return this;
    }

    /** The long-poll cursor to echo first, or null (the default). */
    public Builder cursor(@Nullable String cursor) {
      if (cursor != null && cursor.isEmpty()) throw new IllegalArgumentException("cursor is empty");
      this.cursor = cursor;
      return this;
    }

    /** The most messages per batch; 1000 by default. */
    public Builder maxBatchMessages(int maxBatchMessages) {
      if (maxBatchMessages < 1) {
        throw new IllegalArgumentException("maxBatchMessages < 1: " + maxBatchMessages);
      }
      this.maxBatchMessages = maxBatchMessages;
      return this;
    }

    /** The silence allowed on a live connection before reconnecting; 90 s by default. */
    public Builder liveReadTimeout(long timeout, TimeUnit unit) {
      requireNonNull(unit, "unit == null");
      if (timeout <= 0) throw new IllegalArgumentException("liveReadTimeout <= 0: " + timeout);
      this.liveReadTimeoutMillis = unit.toMillis(timeout);
      return this;
    }

    /** Adds a static header sent with every request of this read. */
    public Builder header(String name, String value) {
      RequestHeaders.put(headers, name, value);
      return this;
    }

    /** Builds the options. */
    public ReadOptions build() {
      return new ReadOptions(this);
    }
  }
}
