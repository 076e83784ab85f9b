package dev.rstream.interop;

import okhttp3.OkHttpClient;

/**
 * A Durable Streams server the end-to-end suite runs against, with whatever writes its keyframes:
 * server-stub itself, or the keyframer beside a server that knows nothing of rstream. That is the
 * only difference the suite allows between the two (docs/PROTOCOL.md 3.0).
 */
interface ServerUnderTest extends AutoCloseable {
  /**
   * Creates a state stream at {@code path} that gets a keyframe every {@code changes} changes, and
   * returns its URL once its initial keyframe is in the index.
   */
  String createStateStream(String path, int changes) throws Exception;

  /**
   * Whether the server refuses a change stamped earlier than the stream's last one (server-stub,
   * docs/PROTOCOL.md 3.1); other servers take it, and clients read effective timestamps.
   */
  boolean refusesEarlierTimestamps();

  /** A client for the test's own reads and writes. */
  OkHttpClient http();

  /** Fails if something that serves the streams (the keyframer) failed. */
  void assertHealthy() throws Exception;
}
