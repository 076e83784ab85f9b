package dev.rstream.server.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rstream.server.StubServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;

/**
 * Base of the cache tests: a server-stub started per class ({@link #startServer}) and plain HTTP
 * calls to it, seen as a cache in front of it would see them. Closed after the class.
 */
abstract class CacheTestServer {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final MediaType JSON_TYPE = MediaType.get("application/json");
  static final String IMMUTABLE = "public, max-age=31536000, immutable";

  static StubServer server;
  static OkHttpClient http;

  /** A finished exchange, its body read. */
  record Reply(int code, Headers headers, byte[] bytes) {
    String header(String name) {
      String value = headers.get(name);
      if (value == null) throw new AssertionError("no " + name + " in " + headers);
      return value;
    }

    JsonNode messages() throws IOException {
      return JSON.readTree(bytes);
    }
  }

  /** Starts the class's server from {@code builder}; call it from the class's {@code BeforeAll}. */
  static void startServer(StubServer.Builder builder) throws IOException {
    server = builder.build().start();
    http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();
  }

  @AfterAll
  static void stop() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    server.close();
  }

  static Reply call(Request request) {
    try (Response response = http.newCall(request).execute()) {
      return new Reply(response.code(), response.headers(), response.body().bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Reply get(String pathAndQuery) {
    return call(new Request.Builder().url(server.streamUrl(pathAndQuery)).build());
  }

  static void post(String path, String body) {
    Reply reply =
        call(
            new Request.Builder()
                .url(server.streamUrl(path))
                .post(RequestBody.create(body, JSON_TYPE))
                .build());
    assertThat(reply.code()).as("append to %s", path).isIn(200, 204);
  }

  /**
   * Reads the keyframe index (the untimed initial keyframe included) until it holds {@code count}
   * offsets or 60 s have passed; keyframes are written async.
   */
  static List<String> keyframes(String path, int count) {
    List<String> offsets = new ArrayList<>();
    String offset = "-1";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (offsets.size() < count && System.nanoTime() < deadline) {
      Reply reply =
          get(
              path
                  + ".keyframes?offset="
                  + offset
                  + (offset.equals("-1") ? "" : "&live=long-poll"));
      if (reply.code() == 200) {
        try {
          for (JsonNode entry : reply.messages()) offsets.add(entry.get("offset").asText());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      offset = reply.header("Stream-Next-Offset");
    }
    assertThat(offsets).hasSizeGreaterThanOrEqualTo(count);
    return offsets;
  }

  /**
   * Reads the stream at {@code path} chunk by chunk from its start until a chunk says it is up to
   * date; returns the chunks in order.
   */
  static List<Reply> chunksToTail(String path) {
    List<Reply> chunks = new ArrayList<>();
    String offset = "-1";
    Reply reply;
    do {
      reply = get(path + "?offset=" + offset);
      chunks.add(reply);
      offset = reply.header("Stream-Next-Offset");
    } while (reply.headers().get("Stream-Up-To-Date") == null);
    return chunks;
  }

  /**
   * Reads every chunk of {@code chunks} (from {@link #chunksToTail}) but the last again, from the
   * offset it was read from, and checks it is the same: bytes, next offset and ETag.
   */
  static void assertChunksUnchanged(String path, List<Reply> chunks) {
    String offset = "-1";
    for (int i = 0; i < chunks.size() - 1; i++) {
      Reply again = get(path + "?offset=" + offset);
      Reply before = chunks.get(i);
      assertThat(again.bytes()).as("bytes from %s", offset).isEqualTo(before.bytes());
      assertThat(again.header("Stream-Next-Offset")).isEqualTo(before.header("Stream-Next-Offset"));
      assertThat(again.header("ETag")).isEqualTo(before.header("ETag"));
      offset = before.header("Stream-Next-Offset");
    }
  }
}
