package dev.rstream.internal.window;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.Keyframe;
import dev.rstream.Offset;
import dev.rstream.TransientException;
import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.store.MemoryLocalStore;
import dev.rstream.internal.store.StoreMirror;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where the keyframe index comes from: the store, the companion stream, or a scan of the stream.
 */
class KeyframeIndexLoaderTest {
  private static final String URL = "http://fake/v1/stream/orders";

  private final GeneratedLog log = new GeneratedLog(7, 4, 3);
  private final MemoryLocalStore store = new MemoryLocalStore();
  private final StoreMirror mirror = new StoreMirror(URL, store);
  private final LiveCheckpoint live = new LiveCheckpoint(mirror);
  private final Source source = new Source();
  private final List<Window> committed = new ArrayList<>();
  private final KeyframeIndexLoader loader =
      new KeyframeIndexLoader(source, mirror, live, new ProgressBoard(), committed::add);

  @AfterEach
  void assertExhausted() {
    assertThat(source.reads).as("unexpected reads").isEmpty();
  }

  private KeyframeIndex await(Single<KeyframeIndex> index) {
    return index.timeout(5, SECONDS).blockingGet();
  }

  @Test
  void aStoredIndexIsAnsweredWithNoRequest() {
    store.putKeyframes(URL, log.keyframes.subList(0, 2), log.keyframes.get(1).offset());
    assertThat(await(loader.index()).asList()).isEqualTo(log.keyframes.subList(0, 2));
  }

  @Test
  void withNothingStoredTheCompanionIsReadOnceForAllCallersAndSaved() {
    Single<KeyframeIndex> first = loader.index();
    Single<KeyframeIndex> second = loader.index();
    assertThat(await(first).asList()).isEqualTo(log.keyframes);
    assertThat(await(second).asList()).isEqualTo(log.keyframes);
    assertThat(source.reads.poll()).isEqualTo("index from -1");
    assertThat(store.keyframes(URL)).isEqualTo(log.keyframes);
    assertThat(committed).isEmpty();
  }

  @Test
  void aFailedLoadIsTriedAgainByTheNextCall() {
    source.failIndex = new TransientException("down", URL, null, 503, null);
    loader.index().test().awaitDone(5, SECONDS).assertError(TransientException.class);
    assertThat(source.reads.poll()).isEqualTo("index from -1");
    source.failIndex = null;
    assertThat(await(loader.index()).asList()).isEqualTo(log.keyframes);
    assertThat(source.reads.poll()).isEqualTo("index from -1");
  }

  @Test
  void withNoCompanionTheStreamIsScannedItsWindowsCommittedAndTheLastOneHeldLive() {
    source.noCompanion = true;
    assertThat(await(loader.index()).asList()).isEqualTo(log.keyframes);
    assertThat(source.reads).containsExactly("index from -1", "stream from -1");
    source.reads.clear();
    assertThat(committed)
        .extracting(Window::start)
        .isEqualTo(log.keyframes.subList(0, log.keyframes.size() - 1));
    Window open = live.current();
    assertThat(open).isNotNull();
    assertThat(open.start()).isEqualTo(log.keyframes.get(log.keyframes.size() - 1));
    assertThat(store.keyframes(URL)).isEqualTo(log.keyframes);

    assertThat(await(loader.refresh()).asList())
        .as("no companion: nothing to refresh")
        .isEqualTo(log.keyframes);
  }

  @Test
  void aRefreshReadsOnlyWhatTheCompanionGainedAndNothingWhileALiveCursorIsConnected() {
    await(loader.index());
    source.reads.clear();
    live.connected(true);
    assertThat(await(loader.refresh()).asList()).isEqualTo(log.keyframes);
    assertThat(source.reads).as("the live cursor finds keyframes itself").isEmpty();

    live.connected(false);
    await(loader.refresh());
    assertThat(source.reads.poll())
        .isEqualTo("index from " + log.keyframes.get(log.keyframes.size() - 1).offset().value());
  }

  @Test
  void aKeyframeTheLiveCursorFindsJoinsTheStoredIndex() {
    List<Keyframe> stored = log.keyframes.subList(0, log.keyframes.size() - 1);
    store.putKeyframes(URL, stored, stored.get(stored.size() - 1).offset());
    Keyframe found = log.keyframes.get(log.keyframes.size() - 1);
    loader.found(found);
    assertThat(loader.current().asList()).isEqualTo(log.keyframes);
    assertThat(store.keyframes(URL)).as("merged, not replaced").isEqualTo(log.keyframes);
  }

  @Test
  void resetForgetsEveryKeyframeAndLoadsAgain() {
    await(loader.index());
    source.reads.clear();
    mirror.clear(); // as a reset's caller does, before or after
    loader.reset();
    assertThat(loader.current().isEmpty()).isTrue();
    await(loader.index());
    assertThat(source.reads.poll()).isEqualTo("index from -1");
  }

  /** The stream as one batch per read, and its companion index; records every read. */
  private final class Source implements StreamSource {
    final BlockingQueue<String> reads = new LinkedBlockingQueue<>();
    volatile boolean noCompanion;
    volatile @Nullable Throwable failIndex;

    @Override
    public String url() {
      return URL;
    }

    @Override
    public Flowable<ReadBatch<StateMessage>> read(ReadOptions options) {
      return Flowable.defer(
          () -> {
            reads.add("stream from " + options.offset().value());
            List<StateMessage> messages = log.read(options.offset(), null);
            Offset end = messages.get(messages.size() - 1).offset();
            return Flowable.just(
                ReadBatch.<StateMessage>builder()
                    .messages(messages)
                    .startOffset(options.offset())
                    .nextOffset(end)
                    .upToDate(true)
                    .build());
          });
    }

    @Override
    public Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options) {
      return Flowable.defer(
          () -> {
            reads.add("index from " + options.offset().value());
            Throwable failure = failIndex;
            if (failure != null) return Flowable.error(failure);
            return CompanionIndex.read(URL, noCompanion ? null : log.keyframes, options);
          });
    }

    @Override
    public Single<Offset> tail() {
      throw new AssertionError("the index never asks for the tail");
    }

    @Override
    public IdempotentProducer producer(ProducerOptions options) {
      throw new AssertionError("the index never writes");
    }
  }
}
