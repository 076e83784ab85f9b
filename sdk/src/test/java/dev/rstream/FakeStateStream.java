package dev.rstream;

import dev.rstream.durable.IdempotentProducer;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.ProducerOptions;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.window.CompanionIndex;
import dev.rstream.internal.window.GeneratedLog;
import dev.rstream.internal.window.StreamSource;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableEmitter;
import io.reactivex.rxjava3.core.Single;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * A recording fake of the two streams a client reads, served from a {@link GeneratedLog}: one batch
 * per append unit, catch-up reads complete when up to date, live reads stay open and get units as
 * {@link #publish()} delivers them. Emits synchronously on the subscribing or publishing thread.
 * Every read is recorded in {@link #reads} / {@link #indexReads}.
 */
final class FakeStateStream implements StreamSource {
  static final String URL = "http://fake/v1/stream/orders";

  final GeneratedLog log;
  final BlockingQueue<ReadOptions> reads = new LinkedBlockingQueue<>();
  final BlockingQueue<ReadOptions> indexReads = new LinkedBlockingQueue<>();

  /** The companion index, or null for a stream without one (reads fail with 404). */
  volatile @Nullable List<Keyframe> index;

  private final List<Reader> live = new CopyOnWriteArrayList<>();
  private final ArrayDeque<Throwable> failures = new ArrayDeque<>();
  private final List<Runnable> gated = new ArrayList<>();
  private boolean gate;

  FakeStateStream(GeneratedLog log) {
    this.log = log;
    this.index = log.keyframes;
  }

  @Override
  public String url() {
    return URL;
  }

  /** The next main-stream read fails with {@code error}. */
  synchronized void failNextRead(Throwable error) {
    failures.add(error);
  }

  /** Holds every main-stream read until {@link #openGate()}. */
  synchronized void closeGate() {
    gate = true;
  }

  void openGate() {
    List<Runnable> held;
    synchronized (this) {
      gate = false;
      held = new ArrayList<>(gated);
      gated.clear();
    }
    held.forEach(Runnable::run);
  }

  int liveReaders() {
    return live.size();
  }

  /** Delivers to every live reader the units appended to the log since it last got one. */
  void publish() {
    for (Reader reader : live) reader.pump();
  }

  /** Fails every live reader, as a dropped connection that the transport gave up on. */
  void dropLiveReaders(Throwable error) {
    for (Reader reader : live) {
      live.remove(reader);
      reader.emitter.onError(error);
    }
  }

  /**
   * Delivers the first message of the next unpublished unit to every live reader as a partial
   * batch, then fails them: a response cut off in the middle.
   */
  void publishHalfThenDrop(Throwable error) {
    for (Reader reader : live) {
      live.remove(reader);
      List<List<Integer>> units = reader.pendingUnits();
      if (!units.isEmpty()) {
        StateMessage first = log.messages.get(units.get(0).get(0));
        reader.emitter.onNext(
            ReadBatch.<StateMessage>builder()
                .messages(List.of(first))
                .startOffset(reader.position)
                .nextOffset(reader.position)
                .partial(true)
                .build());
      }
      reader.emitter.onError(error);
    }
  }

  @Override
  public Flowable<ReadBatch<StateMessage>> read(ReadOptions options) {
    return Flowable.create(
        emitter -> {
          reads.add(options);
          Throwable failure;
          Reader reader = null;
          synchronized (this) {
            failure = failures.poll();
            if (failure == null) {
              reader = new Reader(options, emitter);
              // Checked and parked in one step: openGate() between the two would miss this reader.
              if (gate) {
                gated.add(reader::start);
                reader = null;
              }
            }
          }
          if (failure != null) {
            emitter.onError(failure);
          } else if (reader != null) {
            reader.start();
          }
        },
        BackpressureStrategy.BUFFER);
  }

  @Override
  public Flowable<ReadBatch<Keyframe>> readIndex(ReadOptions options) {
    return Flowable.defer(
        () -> {
          indexReads.add(options);
          return CompanionIndex.read(URL, index, options);
        });
  }

  /** The offset after the log's last message: what a HEAD of the stream answers now. */
  @Override
  public Single<Offset> tail() {
    return Single.fromCallable(
        () -> {
          Offset last =
              log.messages.isEmpty() ? null : log.messages.get(log.messages.size() - 1).offset();
          return last != null ? last : Offset.START;
        });
  }

  /**
   * A producer of the read-only fake: every call that would write fails with {@link
   * UnsupportedOperationException}. A proxy, so that it follows the interface as it grows.
   */
  @Override
  public IdempotentProducer producer(ProducerOptions options) {
    UnsupportedOperationException readOnly =
        new UnsupportedOperationException("the fake is read-only");
    return (IdempotentProducer)
        Proxy.newProxyInstance(
            IdempotentProducer.class.getClassLoader(),
            new Class<?>[] {IdempotentProducer.class},
            (proxy, method, args) -> {
              Class<?> type = method.getReturnType();
              if (type == Single.class) return Single.error(readOnly);
              if (type == Completable.class) return Completable.error(readOnly);
              if (type == long.class) return 0L;
              if (method.getName().equals("equals")) return proxy == args[0];
              if (method.getName().equals("hashCode")) return System.identityHashCode(proxy);
              if (method.getName().equals("toString")) return "read-only producer of " + URL;
              throw readOnly;
            });
  }

  private final class Reader {
    final ReadOptions options;
    final FlowableEmitter<ReadBatch<StateMessage>> emitter;
    Offset position;
    boolean started;

    Reader(ReadOptions options, FlowableEmitter<ReadBatch<StateMessage>> emitter) {
      this.options = options;
      this.emitter = emitter;
      this.position = options.offset();
      emitter.setCancellable(() -> live.remove(this));
    }

    void start() {
      if (options.liveMode() != LiveMode.OFF) live.add(this);
      pump();
      if (options.liveMode() == LiveMode.OFF && !emitter.isCancelled()) emitter.onComplete();
    }

    /** Message indexes of each unit at or after the position, in order. */
    synchronized List<List<Integer>> pendingUnits() {
      List<List<Integer>> units = new ArrayList<>();
      Offset current = null;
      for (int i = 0; i < log.messages.size(); i++) {
        Offset start = log.unitStarts.get(i);
        if (start.compareTo(position) < 0) continue;
        if (!start.equals(current)) {
          units.add(new ArrayList<>());
          current = start;
        }
        units.get(units.size() - 1).add(i);
      }
      return units;
    }

    synchronized void pump() {
      List<List<Integer>> units = pendingUnits();
      boolean first = !started;
      started = true;
      if (units.isEmpty() && first) {
        // Like a server's first response to a reader already at the tail: nothing, up to date.
        emitter.onNext(
            ReadBatch.<StateMessage>builder()
                .startOffset(position)
                .nextOffset(position)
                .upToDate(true)
                .build());
      }
      for (int u = 0; u < units.size() && !emitter.isCancelled(); u++) {
        List<StateMessage> messages = new ArrayList<>();
        for (int i : units.get(u)) messages.add(log.messages.get(i));
        Offset end = messages.get(messages.size() - 1).offset();
        emitter.onNext(
            ReadBatch.<StateMessage>builder()
                .messages(messages)
                .startOffset(position)
                .nextOffset(end)
                .upToDate(u == units.size() - 1)
                .build());
        position = end;
        Offset stop = options.endOffset();
        if (stop != null && end.compareTo(stop) >= 0) {
          live.remove(this);
          emitter.onComplete();
          return;
        }
      }
    }
  }
}
