package dev.rstream.internal.sse;

import static dev.rstream.internal.sse.ParsedEvents.assertRecords;
import static dev.rstream.internal.sse.ParsedEvents.assertRecordsOfBytes;
import static dev.rstream.internal.sse.ParsedEvents.message;
import static dev.rstream.internal.sse.ParsedEvents.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import okio.Buffer;
import okio.ByteString;

/**
 * The WHATWG event stream interpretation of bytes into lines: line endings, the byte order mark,
 * UTF-8 split across reads or invalid. Every test runs with each {@link EveryChunking}.
 */
final class ServerSentEventReaderEncodingTest {
  @EveryChunking
  void lfLineEndings(int chunk) throws IOException {
    assertRecords(chunk, "data: a\n\ndata: b\n\n", message("a"), message("b"));
  }

  @EveryChunking
  void crLineEndings(int chunk) throws IOException {
    assertRecords(chunk, "data: a\r\rdata: b\r\r", message("a"), message("b"));
  }

  @EveryChunking
  void crlfLineEndings(int chunk) throws IOException {
    assertRecords(chunk, "data: a\r\n\r\ndata: b\r\n\r\n", message("a"), message("b"));
  }

  @EveryChunking
  void mixedLineEndingsInOneStream(int chunk) throws IOException {
    assertRecords(chunk, "data: a\rdata: b\ndata: c\r\n\n\r\r\n", message("a\nb\nc"));
  }

  @EveryChunking
  void crAtEndOfChunkAndLfAtStartOfNextAreOneLineEnding(int chunk) throws IOException {
    // A parser that took the LF for an empty line would dispatch "a" and "b" separately.
    assertThat(parse(chunk, "data: a\r", "\ndata: b\r", "\n\r", "\n").records)
        .containsExactly(message("a\nb"));
  }

  @EveryChunking
  void lfAfterCrThenEmptyLineStillDispatches(int chunk) throws IOException {
    assertThat(parse(chunk, "data: a\r", "\n", "\n").records).containsExactly(message("a"));
  }

  @EveryChunking
  void byteOrderMarkAtStartIsStripped(int chunk) throws IOException {
    assertRecords(chunk, "\uFEFFdata: a\n\n", message("a"));
  }

  @EveryChunking
  void byteOrderMarkSplitAcrossChunksIsStripped(int chunk) throws IOException {
    ByteString bom = ByteString.decodeHex("efbbbf");
    ByteString rest =
        new Buffer().write(bom.substring(2, 3)).writeUtf8("data: a\n\n").readByteString();
    assertRecordsOfBytes(
        chunk, List.of(bom.substring(0, 1), bom.substring(1, 2), rest), message("a"));
  }

  @EveryChunking
  void onlyTheFirstByteOrderMarkIsStripped(int chunk) throws IOException {
    // The second BOM becomes part of the field name "\uFEFFdata", an unknown field.
    assertRecords(chunk, "\uFEFF\uFEFFdata: a\n\ndata: b\n\n", message("b"));
  }

  @EveryChunking
  void byteOrderMarkLaterInTheStreamIsKept(int chunk) throws IOException {
    assertRecords(chunk, "data: a\n\ndata: \uFEFFb\n\n", message("a"), message("\uFEFFb"));
  }

  @EveryChunking
  void streamStartingWithPartOfAByteOrderMarkKeepsThoseBytes(int chunk) throws IOException {
    // EF BB followed by 'x' is no BOM: those bytes are invalid UTF-8 in the field name.
    Buffer input = new Buffer().write(ByteString.decodeHex("efbb")).writeUtf8("x\ndata: a\n\n");
    assertRecordsOfBytes(chunk, List.of(input.readByteString()), message("a"));
  }

  @EveryChunking
  void multiByteUtf8SplitAcrossChunks(int chunk) throws IOException {
    ByteString text = ByteString.encodeUtf8("data: h\u00e9 \u20ac \uD834\uDD1E\n\n");
    // Cut inside the 2-, 3- and 4-byte sequences as well as wherever the chunking cuts.
    List<ByteString> chunks =
        List.of(
            text.substring(0, 8),
            text.substring(8, 12),
            text.substring(12, 16),
            text.substring(16));
    assertRecordsOfBytes(chunk, chunks, message("h\u00e9 \u20ac \uD834\uDD1E"));
  }

  @EveryChunking
  void invalidUtf8IsReplacedNotACrash(int chunk) throws IOException {
    Buffer input =
        new Buffer()
            .writeUtf8("data: a")
            .writeByte(0xff)
            .writeUtf8("b")
            .write(ByteString.decodeHex("e282"))
            .writeUtf8("c\nevent: t")
            .writeByte(0x80)
            .writeUtf8("\n\n");
    assertRecordsOfBytes(
        chunk, List.of(input.readByteString()), "event type=t\uFFFD data=a\uFFFDb\uFFFDc id=null");
  }
}
