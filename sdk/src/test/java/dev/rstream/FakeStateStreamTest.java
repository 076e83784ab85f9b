package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.GeneratedLog;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import org.junit.jupiter.api.Test;

/** The recording fake itself: tests that lean on its gate must not see it lose a read. */
class FakeStateStreamTest {
  private static final int ROUNDS = 2_000;

  @Test
  void aReadStartingWhileTheGateOpensIsNeverLeftBehindIt() throws Exception {
    GeneratedLog log = new GeneratedLog(5, 3, 2);
    ReadOptions options =
        ReadOptions.builder()
            .offset(log.keyframes.get(0).offset())
            .endOffset(log.keyframes.get(1).offset())
            .build();
    try (Race race = new Race()) {
      for (int round = 0; round < ROUNDS; round++) {
        FakeStateStream stream = new FakeStateStream(log);
        stream.closeGate();
        Flowable<ReadBatch<StateMessage>> read = stream.read(options);
        TestSubscriber<ReadBatch<StateMessage>> reader = new TestSubscriber<>();
        race.run(() -> read.subscribe(reader), stream::openGate);
        reader.awaitDone(5, SECONDS).withTag("round " + round).assertNoErrors().assertComplete();
      }
    }
  }
}
