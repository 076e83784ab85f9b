package dev.rstream;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The app {@link OutboxKillTest} kills: appends {@code count} changes ({@code {"n":i}} for i from
 * 0) through a {@link SqliteStore}'s outbox, prints {@code appended}, and on the line {@code
 * online} from its parent resumes (a sign of the network), then runs until killed, printing {@code
 * left n} for each size {@code n} its outbox goes through.
 *
 * <p>Modes: {@code flush} as above; {@code hang-after-write}: the last append parks forever right
 * after the store wrote it (printing {@code written}), before append returns; {@code
 * hang-before-ack}: the first acknowledgement parks forever after the server's answer and before
 * the store records it (printing {@code acked}).
 */
public final class OutboxCrashChild {
  private OutboxCrashChild() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    SqliteStore sqlite = SqliteStore.open(new File(args[1]));
    String mode = args[2];
    int count = Integer.parseInt(args[3]);
    LocalStore store =
        mode.equals("flush")
            ? sqlite
            : new ParkingStore(
                sqlite,
                mode.equals("hang-after-write") ? count - 1 : -1,
                mode.equals("hang-before-ack"));
    RStreamClient client =
        RStreamClient.builder()
            .streamUrl(url)
            .store(store)
            .retryPolicy(
                RetryPolicy.builder()
                    .initialDelay(10, MILLISECONDS)
                    .maxDelay(100, MILLISECONDS)
                    .build())
            .build();
    for (int i = 0; i < count; i++) {
      client.append(Change.update("item", "k" + (i % 50), "{\"n\":" + i + "}"));
    }
    say("appended");
    // The parent kills at points of the flush it picks from these: each size of the outbox.
    client.outboxSize().subscribe(size -> say("left " + size));
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if ("online".equals(in.readLine())) client.resume();
    Thread.sleep(Long.MAX_VALUE);
  }

  static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void park() {
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException ignored) {
        // parked until killed
      }
    }
  }

  /** A store that parks at one of the two points the test kills at. */
  private static final class ParkingStore extends ForwardingStore {
    private final int parkAfterAdding;
    private final boolean parkBeforeAck;
    private int added;

    ParkingStore(SqliteStore store, int parkAfterAdding, boolean parkBeforeAck) {
      super(store);
      this.parkAfterAdding = parkAfterAdding;
      this.parkBeforeAck = parkBeforeAck;
    }

    @Override
    public boolean keepsOutbox() {
      return true;
    }

    @Override
    public OutboxEntry addToOutbox(String streamUrl, String newProducerId, String body) {
      OutboxEntry entry = super.addToOutbox(streamUrl, newProducerId, body);
      if (added++ == parkAfterAdding) {
        say("written");
        park();
      }
      return entry;
    }

    @Override
    public void acknowledgeOutbox(String streamUrl, long epoch, long seq) {
      if (parkBeforeAck) {
        say("acked");
        park();
      }
      super.acknowledgeOutbox(streamUrl, epoch, seq);
    }
  }
}
