package dev.rstream.internal.sse;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InterruptedIOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import okio.Buffer;
import okio.ByteString;
import okio.Okio;
import okio.Source;
import okio.Timeout;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A live stream: the source blocks between chunks, as a socket does. Events must come out as soon
 * as the bytes that complete them arrive, never held back waiting for more input.
 */
final class ServerSentEventReaderLiveTest {
  private static final ByteString END = ByteString.EMPTY;

  private final BlockingQueue<ByteString> chunks = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> records = new LinkedBlockingQueue<>();
  private @Nullable Thread readerThread;

  @AfterEach
  void readerThreadFinished() throws InterruptedException {
    if (readerThread != null) {
      chunks.add(END);
      readerThread.join(SECONDS.toMillis(5));
      assertThat(readerThread.isAlive()).as("reader thread leaked").isFalse();
      records.removeIf(r -> r.startsWith("end "));
    }
    assertThat(records).as("unexpected records").isEmpty();
  }

  @Test
  void crAtEndOfChunkDispatchesWithoutWaitingForTheNextByte() throws Exception {
    startReader(null);

    send("data: a\r");
    send("\r"); // Completes the event; a parser peeking for an LF would block here.
    assertThat(records.poll(5, SECONDS)).isEqualTo("event type=message data=a id=null");

    send("\ndata: b\r"); // That LF belongs to the CR before it: no empty line, no extra dispatch.
    send("\ndata: c\r\n\r");
    assertThat(records.poll(5, SECONDS)).isEqualTo("event type=message data=b\nc id=null");

    send("\n");
    chunks.add(END);
    assertThat(records.poll(5, SECONDS)).isEqualTo("end lastEventId=null");
  }

  @Test
  void heartbeatCommentEndedByCrIsReportedAtOnce() throws Exception {
    startReader(null);

    send(":ping\r"); // Heartbeats must reach the listener while the server is otherwise silent.
    assertThat(records.poll(5, SECONDS)).isEqualTo("comment ping");

    send("\n:pong\r\n");
    assertThat(records.poll(5, SECONDS)).isEqualTo("comment pong");
  }

  @Test
  void firstChunkShorterThanAByteOrderMarkIsNotHeldBack() throws Exception {
    startReader("9");

    send(":\n");
    assertThat(records.poll(5, SECONDS)).isEqualTo("comment ");

    send("data: x\n\n");
    assertThat(records.poll(5, SECONDS)).isEqualTo("event type=message data=x id=9");
  }

  @Test
  void byteOrderMarkArrivingByteByByteIsStripped() throws Exception {
    startReader(null);

    send(ByteString.decodeHex("ef"));
    send(ByteString.decodeHex("bb"));
    send(ByteString.decodeHex("bf"));
    send("data: x\n\n");
    assertThat(records.poll(5, SECONDS)).isEqualTo("event type=message data=x id=null");
  }

  private void send(String chunk) {
    send(ByteString.encodeUtf8(chunk));
  }

  private void send(ByteString chunk) {
    chunks.add(chunk);
  }

  private void startReader(@Nullable String initialLastEventId) {
    ServerSentEventReader reader =
        new ServerSentEventReader(
            Okio.buffer(new QueueSource()), new RecordingListener(records), initialLastEventId);
    readerThread =
        new Thread(
            () -> {
              try {
                while (reader.processNextEvent()) {}
                records.add("end lastEventId=" + reader.lastEventId());
              } catch (Exception e) {
                records.add("failed " + e);
              }
            },
            "sse-reader");
    readerThread.start();
  }

  /** Blocks for the next chunk like a socket; an empty chunk means end of stream. */
  private final class QueueSource implements Source {
    private boolean ended;

    @Override
    public long read(Buffer sink, long byteCount) throws InterruptedIOException {
      if (ended) return -1L;
      ByteString chunk;
      try {
        chunk = chunks.poll(10, SECONDS);
      } catch (InterruptedException e) {
        throw new InterruptedIOException();
      }
      if (chunk == null) throw new InterruptedIOException("test sent nothing for 10 s");
      if (chunk.size() == 0) {
        ended = true;
        return -1L;
      }
      sink.write(chunk);
      return chunk.size();
    }

    @Override
    public Timeout timeout() {
      return Timeout.NONE;
    }

    @Override
    public void close() {}
  }
}
