package dev.rstream.internal.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the JSON array body of one read response element by element as it arrives, so memory
 * holds at most one batch of decoded messages, never the whole body. Jackson's streaming parser
 * reads straight from OkHttp's body stream.
 *
 * <p>Two failures stay apart: a body cut short of its HTTP framing makes the stream throw an {@code
 * IOException}, passed on as is (a network fault, retried); a body complete by its framing that is
 * not one well-formed JSON array, even one that stops inside it, throws a {@code
 * JsonProcessingException} (the server's error, not retried).
 */
final class JsonResponseSource<T> implements BatchSource<T> {
  /** Shared: {@code JsonFactory} is thread-safe and holds the parsers' symbol tables. */
  static final JsonFactory JSON = new JsonFactory();

  /**
   * The largest message one body may hold, in bytes: far above real messages, and low enough that a
   * server sending one endless message fails the read instead of exhausting the heap.
   */
  static final long MAX_MESSAGE_BYTES = 64L << 20;

  private final Response response;
  private final MessageDecoder<T> decoder;
  private final ReadBatch.Builder<T> template;
  private final Offset startOffset;
  private final int maxMessages;
  private @Nullable BoundedMessageInput bounded;
  private int skip;
  private @Nullable JsonParser parser;
  private int delivered;
  private @Nullable JsonToken peeked;
  private boolean done;

  JsonResponseSource(
      Response response,
      MessageDecoder<T> decoder,
      ReadBatch.Builder<T> template,
      Offset startOffset,
      int maxMessages,
      int skip) {
    this.response = response;
    this.decoder = decoder;
    this.template = template;
    this.startOffset = startOffset;
    this.maxMessages = maxMessages;
    this.skip = skip;
  }

  @Override
  public @Nullable ReadBatch<T> next() throws IOException {
    try {
      return nextBatch();
    } catch (BoundedMessageInput.MessageTooLargeException e) {
      String url = response.request().url().newBuilder().query(null).build().toString();
      throw new ProtocolException(
          String.valueOf(e.getMessage()), url, startOffset, response.code(), e);
    }
  }

  private @Nullable ReadBatch<T> nextBatch() throws IOException {
    if (done) return null;
    JsonParser p = parser;
    if (p == null) {
      BoundedMessageInput limited =
          new BoundedMessageInput(response.body().byteStream(), MAX_MESSAGE_BYTES);
      bounded = limited;
      InputStream body = limited;
      if (decoder instanceof BodyInputDecoder)
        body = ((BodyInputDecoder<T>) decoder).bodyInput(body);
      p = JSON.createParser(body);
      parser = p;
      JsonToken first = p.nextToken();
      if (first == null) {
        // A zero-length body: some servers answer an empty range so; it holds no message.
        done = true;
        return template.build();
      }
      if (first != JsonToken.START_ARRAY) {
        throw new JsonParseException(p, "expected a JSON array but found " + first);
      }
    }
    List<T> messages = new ArrayList<>();
    while (true) {
      JsonToken token = peeked != null ? peeked : p.nextToken();
      peeked = null;
      if (token == JsonToken.END_ARRAY) {
        JsonToken trailing = p.nextToken();
        if (trailing != null) {
          throw new JsonParseException(p, "unexpected " + trailing + " after the JSON array");
        }
        done = true;
        break;
      }
      if (token == null) {
        // The body is complete by its framing (a cut one throws from the stream instead), so the
        // server sent an unterminated array: ReadLoop fails the read, it does not retry.
        throw new JsonParseException(p, "body ends inside its JSON array");
      }
      BoundedMessageInput limited = bounded;
      if (limited != null) limited.startMessage();
      T message = decoder.decode(p);
      if (message == null) throw new NullPointerException("decoder returned null");
      if (skip > 0) {
        skip--;
        continue;
      }
      messages.add(message);
      if (messages.size() == maxMessages) {
        // Look one token ahead so that a full last batch is not followed by an empty one.
        peeked = p.nextToken();
        if (peeked != JsonToken.END_ARRAY) break;
      }
    }
    if (done) return template.messages(messages).build();
    delivered += messages.size();
    return ReadBatch.<T>builder()
        .messages(messages)
        .startOffset(startOffset)
        .nextOffset(startOffset)
        .partial(true)
        .status(response.code())
        .contentType(response.header("Content-Type"))
        .headers(response.headers())
        .build();
  }

  @Override
  public int deliveredMessages() {
    return delivered;
  }

  @Override
  public int status() {
    return response.code();
  }

  @Override
  public void close() {
    response.close();
  }
}
