package dev.rstream.internal.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ProtocolException;
import okio.Buffer;
import okio.BufferedSource;
import okio.ByteString;
import okio.Okio;
import okio.Source;
import okio.Timeout;
import org.junit.jupiter.api.Test;

/**
 * A server that never ends a line, never ends an event, or sends data that is not UTF-8: the reader
 * fails with {@link ProtocolException} at its {@link ServerSentEventReader.Limits} instead of
 * buffering until the heap is gone.
 */
class ServerSentEventReaderLimitsTest {
  private static final ServerSentEventReader.Limits SMALL =
      new ServerSentEventReader.Limits(1024, 4096, false);

  /** An endless source: {@code prefix}, then {@code repeated} forever; counts what was read. */
  private static final class EndlessSource implements Source {
    private final Buffer prefix;
    private final ByteString repeated;
    long produced;

    EndlessSource(String prefix, String repeated) {
      this.prefix = new Buffer().writeUtf8(prefix);
      this.repeated = ByteString.encodeUtf8(repeated);
    }

    @Override
    public long read(Buffer sink, long byteCount) {
      if (prefix.size() > 0) return prefix.read(sink, byteCount);
      sink.write(repeated);
      produced += repeated.size();
      return repeated.size();
    }

    @Override
    public Timeout timeout() {
      return Timeout.NONE;
    }

    @Override
    public void close() {}
  }

  /**
   * Reads {@code source} with the {@link #SMALL} limits, asserts that the reader refused it with a
   * message containing {@code refusal}, and returns how many bytes the source produced until then.
   */
  private static long bytesReadBeforeRefusing(EndlessSource source, String refusal) {
    BufferedSource buffered = Okio.buffer(source);
    ServerSentEventReader reader =
        new ServerSentEventReader(buffered, new RecordingListener(), null, SMALL);
    assertThatThrownBy(reader::processNextEvent)
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining(refusal);
    return source.produced;
  }

  @Test
  void aLineThatNeverEndsFailsAtTheLineBound() {
    EndlessSource source = new EndlessSource("data: ", "x");

    // Okio reads by the segment: the reader stopped within a segment of its bound.
    assertThat(bytesReadBeforeRefusing(source, "line longer than 1024 bytes"))
        .isLessThan(1024 + 16 * 1024);
  }

  @Test
  void dataLinesThatNeverEndTheEventFailAtTheEventBound() {
    EndlessSource source = new EndlessSource("event: data\n", "data: 0123456789abcdef\n");

    assertThat(bytesReadBeforeRefusing(source, "event data longer than 4096 bytes"))
        .isLessThan(4096 * 2 + 16 * 1024);
  }

  @Test
  void eventsUpToTheBoundsPass() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < 1018; i++) line.append('y'); // "data: " + 1018 = 1024 bytes
    Buffer input = new Buffer();
    for (int i = 0; i < 4; i++)
      input.writeUtf8("data: ").writeUtf8(line.toString()).writeUtf8("\n");
    input.writeUtf8("\n");
    RecordingListener listener = new RecordingListener();
    ServerSentEventReader reader =
        new ServerSentEventReader(
            input, listener, null, new ServerSentEventReader.Limits(1024, 4 * 1018 + 3, false));

    assertThat(reader.processNextEvent()).isTrue();
    assertThat(listener.records).hasSize(1);
  }

  @Test
  void defaultLimitsAreFarAboveRealEvents() {
    assertThat(ServerSentEventReader.Limits.DEFAULT.maxLineBytes()).isEqualTo(8L << 20);
    assertThat(ServerSentEventReader.Limits.DEFAULT.maxEventBytes()).isEqualTo(64L << 20);
  }

  @Test
  void malformedUtf8FailsWhenTheLimitsRefuseIt() {
    Buffer input =
        new Buffer().writeUtf8("data: a").writeByte(0xc3).writeByte(0x28).writeUtf8("\n\n");
    RecordingListener listener = new RecordingListener();
    ServerSentEventReader reader =
        new ServerSentEventReader(input, listener, null, SMALL.rejectMalformedUtf8(true));

    assertThatThrownBy(reader::processNextEvent)
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("not valid UTF-8");
    assertThat(listener.records).isEmpty();
  }

  @Test
  void aRealReplacementCharacterIsNotMistakenForMalformedInput() throws IOException {
    Buffer input = new Buffer().writeUtf8("data: a\uFFFDb\n\n");
    RecordingListener listener = new RecordingListener();
    ServerSentEventReader reader =
        new ServerSentEventReader(input, listener, null, SMALL.rejectMalformedUtf8(true));

    assertThat(reader.processNextEvent()).isTrue();
    assertThat(listener.records).containsExactly("event type=message data=a\uFFFDb id=null");
  }
}
