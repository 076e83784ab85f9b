package dev.rstream.durable;

import static java.util.Objects.requireNonNull;

import dev.rstream.Offset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import okhttp3.Headers;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * The messages of one read response (or one SSE data event and the control event that follows it),
 * with the offset that follows them. Immutable.
 *
 * <p>For a JSON stream, {@link #messages()} holds the decoded messages and {@link #bytes()} is
 * empty. For any other stream, {@link #messages()} is empty and {@link #bytes()} holds the raw data
 * (base64-decoded when it came over SSE).
 *
 * <p>A response with more messages than {@link ReadOptions#maxBatchMessages()} is delivered as
 * several batches. All but the last are {@linkplain #partial() partial}: their {@link
 * #nextOffset()} is still the offset the response started from, since the server hands out no
 * offset inside a response; only the last carries the offset that follows all of them. A consumer
 * that records resume points must record them from non-partial batches only.
 *
 * @param <T> the type of decoded messages.
 */
public final class ReadBatch<T> {
  private final List<T> messages;
  private final ByteString bytes;
  private final Offset startOffset;
  private final Offset nextOffset;
  private final boolean partial;
  private final boolean upToDate;
  private final boolean streamClosed;
  private final @Nullable String cursor;
  private final int status;
  private final @Nullable String contentType;
  private final Headers headers;

  private ReadBatch(Builder<T> builder) {
    this.messages = Collections.unmodifiableList(new ArrayList<>(builder.messages));
    this.bytes = builder.bytes;
    this.startOffset = requireNonNull(builder.startOffset, "startOffset == null");
    this.nextOffset = requireNonNull(builder.nextOffset, "nextOffset == null");
    this.partial = builder.partial;
    this.upToDate = builder.upToDate;
    this.streamClosed = builder.streamClosed;
    this.cursor = builder.cursor;
    this.status = builder.status;
    this.contentType = builder.contentType;
    this.headers = builder.headers;
  }

  /** A builder; the SDK builds batches, tests and fakes may too. */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** The decoded messages, in stream order; empty for non-JSON streams and empty responses. */
  public List<T> messages() {
    return messages;
  }

  /** The raw data of a non-JSON stream; empty for JSON streams. */
  public ByteString bytes() {
    return bytes;
  }

  /** The offset this batch's request started from. */
  public Offset startOffset() {
    return startOffset;
  }

  /**
   * The offset to resume from to read what follows this batch ({@code Stream-Next-Offset} or the
   * SSE control event's {@code streamNextOffset}). For a {@linkplain #partial() partial} batch, the
   * offset its response started from.
   */
  public Offset nextOffset() {
    return nextOffset;
  }

  /** True if more messages of the same response follow in the next batch. */
  public boolean partial() {
    return partial;
  }

  /** True if the server had nothing more when it sent this batch ({@code Stream-Up-To-Date}). */
  public boolean upToDate() {
    return upToDate;
  }

  /** True if the stream is closed and this batch reached its final offset: nothing will follow. */
  public boolean streamClosed() {
    return streamClosed;
  }

  /** The cursor the server sent ({@code Stream-Cursor} / {@code streamCursor}), or null. */
  public @Nullable String cursor() {
    return cursor;
  }

  /**
   * The HTTP status of the response that carried this batch: 200, or 204 for an empty long-poll.
   */
  public int status() {
    return status;
  }

  /** The response's {@code Content-Type}, or null if it had none. */
  public @Nullable String contentType() {
    return contentType;
  }

  /** The response's {@code ETag}, or null. */
  public @Nullable String etag() {
    return headers.get("ETag");
  }

  /** The headers of the HTTP response that carried this batch (for SSE: of the SSE response). */
  public Headers headers() {
    return headers;
  }

  @Override
  public String toString() {
    return "ReadBatch{"
        + messages.size()
        + " messages, "
        + bytes.size()
        + " bytes, "
        + startOffset
        + ".."
        + nextOffset
        + (partial ? ", partial" : "")
        + (upToDate ? ", upToDate" : "")
        + (streamClosed ? ", streamClosed" : "")
        + "}";
  }

  /** Builds a {@link ReadBatch}. */
  public static final class Builder<T> {
    private List<T> messages = Collections.emptyList();
    private ByteString bytes = ByteString.EMPTY;
    private @Nullable Offset startOffset;
    private @Nullable Offset nextOffset;
    private boolean partial;
    private boolean upToDate;
    private boolean streamClosed;
    private @Nullable String cursor;
    private int status = 200;
    private @Nullable String contentType;
    private Headers headers = Headers.of();

    Builder() {}

    /** Sets {@link ReadBatch#messages()}. */
    public Builder<T> messages(List<T> messages) {
      this.messages = requireNonNull(messages, "messages == null");
      return this;
    }

    /** Sets {@link ReadBatch#bytes()}. */
    public Builder<T> bytes(ByteString bytes) {
      this.bytes = requireNonNull(bytes, "bytes == null");
      return this;
    }

    /** Sets {@link ReadBatch#startOffset()}. */
    public Builder<T> startOffset(Offset startOffset) {
      this.startOffset = requireNonNull(startOffset, "startOffset == null");
      return this;
    }

    /** Sets {@link ReadBatch#nextOffset()}. */
    public Builder<T> nextOffset(Offset nextOffset) {
      this.nextOffset = requireNonNull(nextOffset, "nextOffset == null");
      return this;
    }

    /** Sets {@link ReadBatch#partial()}. */
    public Builder<T> partial(boolean partial) {
      this.partial = partial;
      return this;
    }

    /** Sets {@link ReadBatch#upToDate()}. */
    public Builder<T> upToDate(boolean upToDate) {
      this.upToDate = upToDate;
      return this;
    }

    /** Sets {@link ReadBatch#streamClosed()}. */
    public Builder<T> streamClosed(boolean streamClosed) {
      this.streamClosed = streamClosed;
      return this;
    }

    /** Sets {@link ReadBatch#cursor()}. */
    public Builder<T> cursor(@Nullable String cursor) {
      this.cursor = cursor;
      return this;
    }

    /** Sets {@link ReadBatch#status()}. */
    public Builder<T> status(int status) {
      this.status = status;
      return this;
    }

    /** Sets {@link ReadBatch#contentType()}. */
    public Builder<T> contentType(@Nullable String contentType) {
      this.contentType = contentType;
      return this;
    }

    /** Sets {@link ReadBatch#headers()}. */
    public Builder<T> headers(Headers headers) {
      this.headers = requireNonNull(headers, "headers == null");
      return this;
    }

    /** Builds the batch; start and next offsets are required. */
    public ReadBatch<T> build() {
      return new ReadBatch<>(this);
    }
  }
}
