package dev.rstream.keyframer;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rstream.Offset;
import dev.rstream.ProducerFencedException;
import dev.rstream.RStreamException;
import dev.rstream.RetryPolicy;
import dev.rstream.StreamNotFoundException;
import dev.rstream.durable.CreateOptions;
import dev.rstream.durable.DurableStream;
import dev.rstream.durable.LiveMode;
import dev.rstream.durable.MessageDecoder;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.processors.BehaviorProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Writes keyframes and keyframe index entries for one state stream on any Durable Streams server
 * (docs/PROTOCOL.md 3.5): tails the stream with the SDK's reader, keeps its state, and after {@link
 * Builder#changes N changes} or {@link Builder#interval T} since the last keyframe (if something
 * changed) appends a keyframe with {@code asOf}, the offset its state is as of; every keyframe it
 * reads that the index does not list yet, its own included, gets its index entry in {@code
 * {stream}.keyframes}, in stream order.
 *
 * <p>Crash and restart: it resumes from the stream, not from memory: from the last index entry's
 * start offset it reads forward, takes the last keyframe in the stream (which the index may not
 * list yet) and indexes what is missing. A keyframe is only written once the one before it has been
 * read back, so a restarted keyframer never writes a second keyframe for the same stretch.
 *
 * <p>Two keyframers: each append carries a {@code Producer-Epoch}; a keyframer that starts claims a
 * newer epoch on its first append, and the older one fails with {@link ProducerFencedException} on
 * its next. Until then both may try to write, and {@code Stream-Seq} lets only one of two appends
 * made on the same knowledge land (see {@code ProducerChannel}).
 *
 * <p>{@link #run} does the work on the calling thread and blocks until {@link #close} or a failure;
 * {@link #close} may be called from any thread. The stream and its index are the only state: a
 * keyframer holds nothing that needs saving.
 */
public final class Keyframer implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(Keyframer.class.getName());

  /** What a keyframer did, for monitoring and tests; called on the thread running {@link #run}. */
  public interface Listener {
    /** A read batch was applied: the keyframer's state is as of {@code offset}. */
    default void applied(Offset offset, boolean upToDate) {}

    /** A keyframe whose state is as of {@code asOf} was appended (its index entry comes later). */
    default void keyframeAppended(Offset asOf, @Nullable Instant timestamp, int entities) {}

    /** The index entry of the keyframe at {@code position} (start offset {@code asOf}) landed. */
    default void indexed(Offset position, Offset asOf) {}
  }

  private final DurableStream stream;
  private final DurableStream index;
  private final long changes;
  private final Duration interval;
  private final String producerId;
  private final Listener listener;
  private final Runnable beforeKeyframeAppend;
  private final BehaviorProcessor<Object> stop = BehaviorProcessor.create();
  private volatile boolean closed;

  private Keyframer(Builder builder) {
    String url = requireNonNull(builder.streamUrl, "streamUrl == null");
    DurableStream.Builder streams =
        DurableStream.builder().url(url).retryPolicy(builder.retryPolicy);
    if (builder.client != null) streams.okHttpClient(builder.client);
    this.stream = streams.build();
    this.index = streams.url(url + ".keyframes").build();
    this.changes = builder.changes;
    this.interval = builder.interval;
    this.producerId = builder.producerId;
    this.listener = builder.listener;
    this.beforeKeyframeAppend = builder.beforeKeyframeAppend;
  }

  /** A builder for the keyframer of the stream at {@code streamUrl}. */
  public static Builder builder(String streamUrl) {
    return new Builder(streamUrl);
  }

  /**
   * Follows the stream and writes keyframes until {@link #close()}: returns normally then.
   *
   * @throws ProducerFencedException when a newer keyframer took the stream over
   * @throws RStreamException when the server keeps failing past the retry policy, or refuses a
   *     request (the stream is gone, for example); a supervisor restarts the keyframer, which
   *     resumes from the stream
   * @throws IllegalStateException when the stream's keyframes are malformed (nested, unterminated)
   */
  public void run() {
    if (closed) return;
    Run run = new Run(this);
    run.prepare();
    Flowable<Object> reads =
        stream
            .read(
                ReadOptions.builder().offset(run.readFrom).liveMode(LiveMode.LONG_POLL).build(),
                MessageDecoder.jsonNode())
            .map(batch -> (Object) batch);
    long tick = Math.max(10, Math.min(1_000, interval.toMillis() / 10));
    Flowable<Object> ticks =
        Flowable.interval(tick, tick, TimeUnit.MILLISECONDS)
            .map(ignored -> (Object) Boolean.TRUE)
            .onBackpressureDrop();
    if (closed) return;
    Flowable.mergeArray(2, 2, reads, ticks)
        .takeUntil(stop)
        .blockingForEach(
            event -> {
              if (event instanceof ReadBatch<?> batch) {
                @SuppressWarnings("unchecked")
                ReadBatch<JsonNode> messages = (ReadBatch<JsonNode>) batch;
                run.onBatch(messages);
              } else {
                run.maybeWrite();
              }
            });
  }

  /** Stops {@link #run()} (it returns once its current step is done); idempotent. */
  @Override
  public void close() {
    closed = true;
    stop.onNext(Boolean.TRUE);
  }

  /** One run: the state followed and what has been written, on the running thread only. */
  private static final class Run {
    final Keyframer keyframer;
    final ProducerChannel keyframes;
    final ProducerChannel entries;
    Offset readFrom = Offset.START;
    @Nullable Offset lastIndexed;
    FollowedState state = new FollowedState(true);

    /** The offset the state is as of, while {@link #midResponse} is false. */
    Offset at = Offset.START;

    /** The state holds part of a response: it is as of no offset the server named. */
    boolean midResponse;

    boolean upToDate;

    /** A keyframe was appended (or refused for another's) and has not been read back yet. */
    boolean awaitingKeyframe;

    long lastKeyframeNanos = System.nanoTime();

    Run(Keyframer keyframer) {
      this.keyframer = keyframer;
      long epoch = System.currentTimeMillis();
      this.keyframes = new ProducerChannel(keyframer.stream, keyframer.producerId, epoch);
      this.entries = new ProducerChannel(keyframer.index, keyframer.producerId, epoch);
    }

    /** Creates the index if it is missing and finds where to read the stream from. */
    void prepare() {
      List<JsonNode> indexed;
      try {
        indexed = readIndex();
      } catch (StreamNotFoundException e) {
        keyframer.index.create(CreateOptions.json()).blockingGet();
        indexed = readIndex();
      }
      for (JsonNode entry : indexed) {
        JsonNode offset = entry.get("offset");
        if (offset == null || !offset.isTextual()) continue;
        JsonNode position = entry.get("keyframe");
        readFrom = Offset.of(offset.asText());
        lastIndexed =
            position != null && position.isTextual() ? Offset.of(position.asText()) : readFrom;
      }
      state = new FollowedState(lastIndexed == null);
      at = readFrom;
    }

    private List<JsonNode> readIndex() {
      return keyframer
          .index
          .read(ReadOptions.builder().liveMode(LiveMode.OFF).build(), MessageDecoder.jsonNode())
          .concatMapIterable(ReadBatch::messages)
          .toList()
          .blockingGet();
    }

    void onBatch(ReadBatch<JsonNode> batch) {
      state.startBatch(batch.startOffset());
      for (JsonNode message : batch.messages()) {
        FoundKeyframe found = state.apply(message);
        if (found != null) onKeyframe(found);
      }
      // A partial batch (a long response split up) names no offset of its own: the state is as
      // of an offset only at the end of a response.
      midResponse = batch.partial();
      if (midResponse) return;
      at = batch.nextOffset();
      upToDate = batch.upToDate();
      keyframer.listener.applied(at, upToDate);
      maybeWrite();
    }

    /** A keyframe read from the stream: it is the last one now; index it if the index lacks it. */
    private void onKeyframe(FoundKeyframe found) {
      awaitingKeyframe = false;
      lastKeyframeNanos = System.nanoTime();
      Offset indexedUpTo = lastIndexed;
      if (indexedUpTo != null && found.position().compareTo(indexedUpTo) <= 0) return;
      if (entries.append(KeyframeBodies.indexEntry(found), found.position().value())) {
        keyframer.listener.indexed(found.position(), found.asOf());
      }
      // Refused: another keyframer indexed it (or a later one) first; ours would be out of order.
      lastIndexed = found.position();
    }

    /** Appends a keyframe as of {@link #at} when the policy says one is due. */
    void maybeWrite() {
      if (keyframer.closed
          || midResponse
          || !state.known()
          || state.insideKeyframe()
          || awaitingKeyframe) {
        return;
      }
      FoundKeyframe last = state.lastKeyframe();
      String streamSeq;
      if (last == null) {
        // The stream's first keyframe, once the whole stream was read (a keyframe further on
        // would make it wrong): on an empty stream the initial, empty one, without time, so that
        // a time before the first change is the empty state; after changes written without a
        // keyframer, a keyframe of their state (time before it is then out of range, 3.3).
        if (!upToDate) return;
        streamSeq = NO_KEYFRAME_BEFORE;
      } else {
        long since = state.changesSinceKeyframe();
        boolean due =
            since >= keyframer.changes
                || (since > 0
                    && System.nanoTime() - lastKeyframeNanos >= keyframer.interval.toNanos());
        if (!due) return;
        streamSeq = last.position().value();
      }
      Offset asOf = at;
      Instant timestamp = state.stateTimestamp();
      int size = state.entities().size();
      byte[] body = KeyframeBodies.keyframe(asOf, timestamp, state.entities());
      awaitingKeyframe = true;
      keyframer.beforeKeyframeAppend.run();
      if (keyframes.append(body, streamSeq)) {
        keyframer.listener.keyframeAppended(asOf, timestamp, size);
      } else {
        logger.info(keyframer.stream.url() + ": another keyframer wrote a keyframe first");
      }
    }
  }

  /**
   * The {@code Stream-Seq} of a stream's first keyframe: below every offset, and below {@code -1},
   * the position of a keyframe that is the stream's first message (byte order: '-' before '0', '0'
   * before '1').
   */
  static final String NO_KEYFRAME_BEFORE = "-0";

  /** Builds a {@link Keyframer}; checks each argument as it is set. */
  public static final class Builder {
    final String streamUrl;
    @Nullable OkHttpClient client;
    long changes = 1000;
    Duration interval = Duration.ofSeconds(60);
    String producerId = "rstream-keyframer";
    RetryPolicy retryPolicy = RetryPolicy.defaults();
    Listener listener = new Listener() {};
    Runnable beforeKeyframeAppend = () -> {};

    Builder(String streamUrl) {
      requireNonNull(streamUrl, "streamUrl == null");
      okhttp3.HttpUrl.get(streamUrl);
      this.streamUrl = streamUrl;
    }

    /** A keyframe after this many changes since the last one; 1000 by default. */
    public Builder changes(long changes) {
      if (changes <= 0) throw new IllegalArgumentException("changes must be > 0: " + changes);
      this.changes = changes;
      return this;
    }

    /** A keyframe this long after the last one if anything changed; 60 s by default. */
    public Builder interval(Duration interval) {
      requireNonNull(interval, "interval == null");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be > 0: " + interval);
      }
      this.interval = interval;
      return this;
    }

    /**
     * The {@code Producer-Id} of the keyframer's appends, the same for every keyframer of the
     * stream (that is how a newer one fences an older one); {@code rstream-keyframer} by default.
     */
    public Builder producerId(String producerId) {
      requireNonNull(producerId, "producerId == null");
      if (producerId.isEmpty()) throw new IllegalArgumentException("producerId is empty");
      okhttp3.Headers.of("Producer-Id", producerId);
      this.producerId = producerId;
      return this;
    }

    /** The client to send requests with (never shut down by the keyframer); a shared default. */
    public Builder okHttpClient(OkHttpClient client) {
      this.client = requireNonNull(client, "client == null");
      return this;
    }

    /** How long a failing request is retried before {@link Keyframer#run()} fails. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy == null");
      return this;
    }

    /** Told what the keyframer does, on its thread; must not block for long. */
    public Builder listener(Listener listener) {
      this.listener = requireNonNull(listener, "listener == null");
      return this;
    }

    /** Runs between building a keyframe and appending it (tests put writes there). */
    Builder beforeKeyframeAppend(Runnable hook) {
      this.beforeKeyframeAppend = requireNonNull(hook, "hook == null");
      return this;
    }

    /** Builds the keyframer; nothing is sent until {@link Keyframer#run()}. */
    public Keyframer build() {
      return new Keyframer(this);
    }
  }
}
