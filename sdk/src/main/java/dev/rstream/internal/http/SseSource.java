package dev.rstream.internal.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.internal.retry.RetryableFailure;
import dev.rstream.internal.sse.MalformedEventStreamException;
import dev.rstream.internal.sse.ServerSentEventListener;
import dev.rstream.internal.sse.ServerSentEventReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Response;
import okio.Buffer;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * One SSE connection of a live read. {@code data} events are held until the {@code control} event
 * that follows them, and the pair becomes one batch: a consumer never sees data without the offset
 * after it, and data whose control never came (connection dropped) is re-read from the last offset.
 * Unknown event types are ignored, as the protocol allows for future extensions.
 */
final class SseSource<T> implements BatchSource<T>, ServerSentEventListener {
  /**
   * The parser's bounds: lines, events and the data events held for one control event are bounded,
   * and data that is not UTF-8 fails the read as it does in a catch-up body.
   */
  static final ServerSentEventReader.Limits LIMITS =
      ServerSentEventReader.Limits.DEFAULT.rejectMalformedUtf8(true);

  private final Response response;
  private final MessageDecoder<T> decoder;
  private final JsonProbe jsonProbe;

  /** Whether data events carry JSON messages; asked of {@link #jsonProbe} at the first data. */
  private @Nullable Boolean json;

  private final boolean base64;
  private final String url;
  private final long openedAt;
  private final ServerSentEventReader reader;
  private final List<String> pendingData = new ArrayList<>();

  /** A held data event costs its string and list slot besides its characters. */
  private static final int PENDING_EVENT_OVERHEAD = 64;

  /** The characters of {@link #pendingData}, plus the overhead of each, bounded like one event. */
  private long pendingChars;

  private @Nullable String control;
  private Offset offset;
  private int controlEvents;
  private final long maxPendingChars;

  /**
   * Says whether the stream's data events are JSON. An SSE response does not carry the stream's
   * content type; the probe may need a request to learn it, so it is asked only when data arrives.
   */
  interface JsonProbe {
    boolean isJson() throws IOException, RetryableFailure;
  }

  SseSource(
      Response response,
      MessageDecoder<T> decoder,
      JsonProbe jsonProbe,
      Offset offset,
      String url,
      long openedAt) {
    this.response = response;
    this.decoder = decoder;
    this.jsonProbe = jsonProbe;
    this.base64 = "base64".equalsIgnoreCase(response.header(StreamEndpoint.SSE_DATA_ENCODING));
    // Base64 is only for streams that are neither text nor JSON (spec 5.8): no need to ask.
    if (base64) json = false;
    this.offset = offset;
    this.url = url;
    this.openedAt = openedAt;
    this.reader = new ServerSentEventReader(response.body().source(), this, null, LIMITS);
    this.maxPendingChars = LIMITS.maxEventBytes();
  }

  long openedAt() {
    return openedAt;
  }

  int controlEvents() {
    return controlEvents;
  }

  @Override
  public void onEvent(String type, String data, @Nullable String lastEventId)
      throws MalformedEventStreamException {
    if (type.equals("data")) {
      pendingChars += data.length() + PENDING_EVENT_OVERHEAD;
      if (pendingChars > maxPendingChars) {
        throw new MalformedEventStreamException(
            "SSE data events without a control event exceed " + maxPendingChars + " characters");
      }
      pendingData.add(data);
    } else if (type.equals("control")) {
      control = data;
    }
  }

  @Override
  public @Nullable ReadBatch<T> next() throws IOException, RetryableFailure {
    while (nextEvent()) {
      String controlData = control;
      if (controlData == null) continue;
      control = null;
      controlEvents++;
      ReadBatch<T> batch = toBatch(controlData);
      pendingData.clear();
      pendingChars = 0;
      offset = batch.nextOffset();
      return batch;
    }
    return null;
  }

  /**
   * The reader's next event; what it refuses (a line or event past its bounds, data that is not
   * UTF-8) is the server's error, not retried.
   */
  private boolean nextEvent() throws IOException {
    try {
      return reader.processNextEvent();
    } catch (MalformedEventStreamException e) {
      throw new ProtocolException(String.valueOf(e.getMessage()), url, offset, response.code(), e);
    }
  }

  private ReadBatch<T> toBatch(String controlData) throws IOException, RetryableFailure {
    ReadBatch.Builder<T> batch =
        ReadBatch.<T>builder()
            .startOffset(offset)
            .status(response.code())
            .contentType(response.header("Content-Type"))
            .headers(response.headers());
    parseControl(controlData, batch);
    boolean hasData = false;
    if (json == null && !pendingData.isEmpty()) json = jsonProbe.isJson();
    if (Boolean.TRUE.equals(json)) {
      List<T> messages = new ArrayList<>();
      try {
        for (String data : pendingData) decodeArray(data, messages);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw e;
      } catch (IOException e) {
        // Decoding text already received: no network involved, so not worth a retry.
        throw new ProtocolException(
            "undecodable data event: " + e, url, offset, response.code(), e);
      }
      batch.messages(messages);
      hasData = !messages.isEmpty();
    } else {
      Buffer bytes = new Buffer();
      for (String data : pendingData) {
        if (base64) {
          ByteString decoded = decodeBase64(data);
          bytes.write(decoded);
        } else {
          bytes.writeUtf8(data);
        }
      }
      hasData = bytes.size() > 0;
      batch.bytes(bytes.readByteString());
    }
    ReadBatch<T> result = batch.build();
    if (hasData && result.nextOffset().equals(offset) && !offset.isNow() && !offset.isStart()) {
      throw new ProtocolException(
          "data event followed by a control event that repeats offset " + offset,
          url,
          offset,
          response.code(),
          null);
    }
    return result;
  }

  private void parseControl(String data, ReadBatch.Builder<T> batch) throws IOException {
    if (data.isEmpty()) {
      throw new ProtocolException("empty control event", url, offset, response.code(), null);
    }
    Offset next = null;
    try (JsonParser p = JsonResponseSource.JSON.createParser(data)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new JsonParseException(p, "control event is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "streamNextOffset":
            if (value != JsonToken.VALUE_STRING) {
              throw new JsonParseException(p, "streamNextOffset is not a string");
            }
            try {
              next = Offset.of(p.getText());
            } catch (IllegalArgumentException e) {
              throw new JsonParseException(p, "invalid streamNextOffset: " + e.getMessage());
            }
            break;
          case "streamCursor":
            if (value == JsonToken.VALUE_STRING) batch.cursor(p.getText());
            else if (value != JsonToken.VALUE_NULL) batch.cursor(p.getValueAsString());
            break;
          case "upToDate":
            batch.upToDate(value == JsonToken.VALUE_TRUE);
            break;
          case "streamClosed":
            if (value == JsonToken.VALUE_TRUE) batch.streamClosed(true).upToDate(true);
            break;
          default:
            p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new JsonParseException(p, "malformed control event");
      }
    } catch (JsonParseException e) {
      throw new ProtocolException(
          "malformed control event: " + e.getOriginalMessage(), url, offset, response.code(), e);
    }
    if (next == null) {
      throw new ProtocolException(
          "control event without streamNextOffset", url, offset, response.code(), null);
    }
    batch.nextOffset(next);
  }

  private void decodeArray(String data, List<T> into) throws IOException {
    try (JsonParser p = JsonResponseSource.JSON.createParser(data)) {
      JsonToken first = p.nextToken();
      if (first == null) return;
      if (first != JsonToken.START_ARRAY) {
        throw new JsonParseException(p, "SSE data event is not a JSON array");
      }
      JsonToken token;
      while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
        if (token == null) throw new JsonParseException(p, "JSON array ends early");
        into.add(decoder.decode(p));
      }
      if (p.nextToken() != null) throw new JsonParseException(p, "data after the JSON array");
    }
  }

  private ByteString decodeBase64(String data) throws ProtocolException {
    String text = data.replace("\r", "").replace("\n", "");
    if (text.length() % 4 != 0) {
      throw new ProtocolException(
          "base64 data event length is not a multiple of 4", url, offset, response.code(), null);
    }
    ByteString decoded = ByteString.decodeBase64(text);
    if (decoded == null) {
      throw new ProtocolException(
          "invalid base64 in data event", url, offset, response.code(), null);
    }
    return decoded;
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
