package dev.rstream.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The end-to-end suite on server-stub, which writes its own keyframes. */
class StubEndToEndTest extends EndToEndSuite {
  private static StubUnderTest server;
  private static Path data;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("rstream-interop-stub");
    server = new StubUnderTest(data);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
    TempDirs.delete(data);
  }

  @Override
  ServerUnderTest server() {
    return server;
  }
}
