package dev.rstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Idempotent producers exactly as spec 5.2.1's validation logic says. */
class IdempotentProducerTest {
  @RegisterExtension static final PlainServer plainServer = new PlainServer();
  private static final AtomicInteger names = new AtomicInteger();

  private static String stream() {
    String path = "producers/s" + names.incrementAndGet();
    assertThat(plainServer.http().put(path, "application/json", "").code()).isEqualTo(201);
    return path;
  }

  private static Http.Reply send(
      String path, String body, String id, long epoch, long seq, String... more) {
    String[] headers = new String[6 + more.length];
    headers[0] = "Producer-Id";
    headers[1] = id;
    headers[2] = "Producer-Epoch";
    headers[3] = Long.toString(epoch);
    headers[4] = "Producer-Seq";
    headers[5] = Long.toString(seq);
    System.arraycopy(more, 0, headers, 6, more.length);
    return plainServer.http().post(path, "application/json", body, headers);
  }

  @Test
  void acceptedAppendIs200AndEchoesEpochAndSeq() {
    String path = stream();
    Http.Reply first = send(path, "1", "p", 0, 0);
    assertThat(first.code()).isEqualTo(200);
    assertThat(first.header("Producer-Epoch")).isEqualTo("0");
    assertThat(first.header("Producer-Seq")).isEqualTo("0");
    assertThat(send(path, "2", "p", 0, 1).code()).isEqualTo(200);
    assertThat(plainServer.http().get(path).body()).isEqualTo("[1,2]");
  }

  @Test
  void retriedAppendIsDuplicate204AndAppendsNothing() {
    String path = stream();
    send(path, "1", "p", 0, 0);
    send(path, "2", "p", 0, 1);
    Http.Reply retry = send(path, "1", "p", 0, 0);
    assertThat(retry.code()).isEqualTo(204);
    assertThat(retry.header("Producer-Seq")).isEqualTo("1"); // the highest accepted
    assertThat(send(path, "2", "p", 0, 1).code()).isEqualTo(204);
    assertThat(plainServer.http().get(path).body()).isEqualTo("[1,2]");
  }

  @Test
  void sequenceGapIs409WithExpectedAndReceived() {
    String path = stream();
    send(path, "1", "p", 0, 0);
    Http.Reply gap = send(path, "3", "p", 0, 2);
    assertThat(gap.code()).isEqualTo(409);
    assertThat(gap.header("Producer-Expected-Seq")).isEqualTo("1");
    assertThat(gap.header("Producer-Received-Seq")).isEqualTo("2");
    Http.Reply unknown = send(path, "3", "q", 0, 5);
    assertThat(unknown.code()).isEqualTo(409);
    assertThat(unknown.header("Producer-Expected-Seq")).isEqualTo("0");
    assertThat(plainServer.http().get(path).body()).isEqualTo("[1]");
  }

  @Test
  void staleEpochIsFencedWith403() {
    String path = stream();
    send(path, "1", "p", 0, 0);
    assertThat(send(path, "2", "p", 1, 0).code()).isEqualTo(200);
    Http.Reply zombie = send(path, "3", "p", 0, 1);
    assertThat(zombie.code()).isEqualTo(403);
    assertThat(zombie.header("Producer-Epoch")).isEqualTo("1");
    assertThat(plainServer.http().get(path).body()).isEqualTo("[1,2]");
  }

  @Test
  void newEpochMustStartAtZero() {
    String path = stream();
    send(path, "1", "p", 0, 0);
    assertThat(send(path, "2", "p", 1, 1).code()).isEqualTo(400);
    assertThat(send(path, "2", "p", 1, 0).code()).isEqualTo(200);
    assertThat(plainServer.http().get(path).body()).isEqualTo("[1,2]");
  }

  @Test
  void producersAreIndependent() {
    String path = stream();
    assertThat(send(path, "1", "a", 0, 0).code()).isEqualTo(200);
    assertThat(send(path, "2", "b", 0, 0).code()).isEqualTo(200);
    assertThat(send(path, "3", "a", 0, 1).code()).isEqualTo(200);
    assertThat(plainServer.http().get(path).body()).isEqualTo("[1,2,3]");
  }

  @Test
  void retryOfTheClosingAppendIsDuplicateOthersAreRefused() {
    String path = stream();
    Http.Reply closing = send(path, "1", "p", 0, 0, "Stream-Closed", "true");
    assertThat(closing.code()).isEqualTo(200);
    assertThat(closing.header("Stream-Closed")).isEqualTo("true");
    Http.Reply retry = send(path, "1", "p", 0, 0, "Stream-Closed", "true");
    assertThat(retry.code()).isEqualTo(204);
    assertThat(retry.header("Stream-Closed")).isEqualTo("true");
    Http.Reply other = send(path, "2", "p", 0, 1);
    assertThat(other.code()).isEqualTo(409);
    assertThat(other.header("Stream-Closed")).isEqualTo("true");
    assertThat(plainServer.http().get(path).body()).isEqualTo("[1]");
  }

  @Test
  void producerNumbersAboveTwoToThe53AreRejected() {
    String path = stream();
    assertThat(send(path, "1", "p", 1L << 53, 0).code()).isEqualTo(400);
    assertThat(send(path, "1", "p", 0, (1L << 53) - 1).code()).isEqualTo(409);
  }
}
