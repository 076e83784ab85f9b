package dev.rstream.interop;

import dev.rstream.server.StubServer;
import java.nio.file.Path;

/** server-stub with its file store: it writes keyframes and the index itself. */
final class StubUnderTest extends ServerUnderTest {
  private final StubServer server;

  StubUnderTest(Path dataDir) throws Exception {
    this.server = StubServer.builder().dataDir(dataDir).build().start();
  }

  @Override
  String streamUrl(String path) {
    return server.streamUrl(path);
  }

  @Override
  boolean refusesEarlierTimestamps() {
    return true;
  }

  @Override
  void stop() {
    server.close();
  }
}
