package dev.rstream.examples.readme;

// README:quickstart
import dev.rstream.Change;
import dev.rstream.Offset;
import dev.rstream.RStreamClient;
import dev.rstream.StateView;
import java.util.concurrent.TimeUnit;

public final class QuickStart {
  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:4437/v1/stream/orders";
    try (RStreamClient client = RStreamClient.builder().streamUrl(url).build()) {
      // Append, then wait (at most 10 s) until this client's view of the stream holds the write.
      Offset written = client.append(Change.update("order", "o-17", "{\"status\":\"paid\"}")).blockingGet();
      client.awaitOffset(written, 10, TimeUnit.SECONDS).blockingAwait();

      // The state as of the server's tail now, once.
      StateView now = client.state().blockingGet();
      System.out.println("o-17: " + now.json("order", "o-17") + " at " + now.offset());
    } // close(): the connection and every thread the client started are released; main returns, the JVM exits
  }
}
// README:end
