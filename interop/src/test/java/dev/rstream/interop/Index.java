package dev.rstream.interop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.StreamNotFoundException;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/** Reads a state stream's keyframe index ({@code {url}.keyframes}, docs/PROTOCOL.md 3.4). */
final class Index {
  private Index() {}

  /** The index entries now; none when the index does not exist yet. */
  static List<JsonNode> entries(OkHttpClient http, String url) {
    try {
      return DurableStream.builder()
          .url(url + ".keyframes")
          .okHttpClient(http)
          .build()
          .read(ReadOptions.builder().liveMode(LiveMode.OFF).build(), MessageDecoder.jsonNode())
          .concatMapIterable(ReadBatch::messages)
          .toList()
          .timeout(30, TimeUnit.SECONDS)
          .blockingGet();
    } catch (StreamNotFoundException e) {
      return List.of();
    }
  }

  /** Waits (30 s at most) until the index lists at least {@code count} keyframes. */
  static void await(OkHttpClient http, String url, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (entries(http, url).size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the index of " + url + " did not reach " + count + " entries");
      }
      Thread.sleep(20);
    }
  }
}
