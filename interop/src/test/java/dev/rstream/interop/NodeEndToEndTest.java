package dev.rstream.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The end-to-end suite on the Durable Streams Node reference server with its file store, which
 * knows nothing of rstream: a keyframer per stream writes the keyframes and the index.
 */
class NodeEndToEndTest extends EndToEndSuite {
  private static NodeUnderTest server;
  private static Path data;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("rstream-interop-node");
    server = new NodeUnderTest(data);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      TempDirs.delete(data);
    }
  }

  @Override
  ServerUnderTest server() {
    return server;
  }
}
