package dev.rstream.benchmarks.fanout;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The plain HTTP calls the fan-out figure makes on both servers alike, with the JDK's {@link
 * HttpClient}: create, append to and delete a JSON stream, and read it all. Each throws an {@link
 * IOException} naming the call and the status when the server refuses. Stateless.
 */
final class RawStreamCalls {
  private static final JsonFactory JSON = new JsonFactory();

  private RawStreamCalls() {}

  /** Reads the stream from {@code -1} to its tail, counting the messages of each JSON array. */
  static FanoutBenchmark.CatchUpRow readAll(HttpClient http, String server, String url)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    String offset = "-1";
    long messages = 0;
    long bytes = 0;
    int requests = 0;
    while (true) {
      HttpResponse<byte[]> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "?offset=" + offset)).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
      requests++;
      if (response.statusCode() != 200)
        throw new IOException("GET " + url + ": " + response.statusCode());
      byte[] body = response.body();
      bytes += body.length;
      messages += countMessages(body);
      offset =
          response
              .headers()
              .firstValue("Stream-Next-Offset")
              .orElseThrow(() -> new IOException("no Stream-Next-Offset from " + url));
      if (response.headers().firstValue("Stream-Up-To-Date").isPresent()) break;
    }
    return new FanoutBenchmark.CatchUpRow(
        server, messages, requests, bytes, System.nanoTime() - start);
  }

  private static long countMessages(byte[] body) throws IOException {
    long count = 0;
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_ARRAY) throw new IOException("not a JSON array");
      for (JsonToken token; (token = parser.nextToken()) != JsonToken.END_ARRAY; ) {
        if (token == null) throw new IOException("truncated JSON array");
        count++;
        parser.skipChildren();
      }
    }
    return count;
  }

  static void create(HttpClient http, String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201)
      throw new IOException("PUT " + url + ": " + response.statusCode() + " " + response.body());
  }

  static void delete(HttpClient http, String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 204 && response.statusCode() != 200) {
      throw new IOException("DELETE " + url + ": " + response.statusCode() + " " + response.body());
    }
  }

  static void append(HttpClient http, String url, String json)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200 && response.statusCode() != 204) {
      throw new IOException("POST " + url + ": " + response.statusCode() + " " + response.body());
    }
  }
}
