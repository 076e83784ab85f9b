package dev.rstream.server.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LogRecord} read back from a file ({@link #decode}): its kind, for a creation the
 * stream's metadata, and the unit. Offsets are relative to the start of the record (header
 * included), like those of a written one.
 */
final class DecodedRecord {
  final byte type;
  final @Nullable StreamMeta meta;
  final @Nullable ProducerState producer;
  final @Nullable String streamSeq;
  final boolean closes;
  final int[] messageOffsets;
  final int[] messageLengths;
  final int bodyLength;

  /** For a {@code BASE} record: where its stream starts, and the dropped units' producers. */
  long basePosition;

  List<ProducerState> baseProducers = List.of();

  private DecodedRecord(
      byte type,
      @Nullable StreamMeta meta,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      boolean closes,
      int[] messageOffsets,
      int[] messageLengths,
      int bodyLength) {
    this.bodyLength = bodyLength;
    this.type = type;
    this.meta = meta;
    this.producer = producer;
    this.streamSeq = streamSeq;
    this.closes = closes;
    this.messageOffsets = messageOffsets;
    this.messageLengths = messageLengths;
  }

  /** Parses a body whose checksum matched; a malformed body is corruption all the same. */
  static DecodedRecord decode(byte[] body) throws CorruptRecordException {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(body);
      byte type = buffer.get();
      StreamMeta meta = null;
      long basePosition = 0;
      List<ProducerState> baseProducers = List.of();
      if (type == LogRecord.CREATE || type == LogRecord.BASE) {
        long incarnation = buffer.getLong();
        long createdAtMillis = buffer.getLong();
        String path = requireString(buffer);
        String contentType = requireString(buffer);
        Long ttlSeconds = getOptionalLong(buffer);
        Long expiresAtMillis = getOptionalLong(buffer);
        String keyframePolicy = getString(buffer);
        String retention = null;
        if (type == LogRecord.BASE) {
          retention = getString(buffer);
          basePosition = buffer.getLong();
          int producers = buffer.getInt();
          if (basePosition < 0
              || producers < 0
              || producers > buffer.remaining() / LogRecord.PRODUCER_FIXED) {
            throw new CorruptRecordException("bad base " + basePosition + "/" + producers);
          }
          baseProducers = new ArrayList<>(producers);
          for (int i = 0; i < producers; i++) baseProducers.add(getProducer(buffer));
        }
        meta =
            new StreamMeta(
                path,
                incarnation,
                contentType,
                ttlSeconds,
                expiresAtMillis,
                keyframePolicy,
                createdAtMillis,
                0,
                false,
                null,
                retention,
                basePosition);
      } else if (type != LogRecord.UNIT) {
        throw new CorruptRecordException("unknown record type " + type);
      }
      int flags = buffer.get();
      ProducerState producer = null;
      if ((flags & LogRecord.HAS_PRODUCER) != 0) producer = getProducer(buffer);
      String streamSeq = (flags & LogRecord.HAS_STREAM_SEQ) != 0 ? requireString(buffer) : null;
      int count = buffer.getInt();
      if (count < 0 || count > buffer.remaining() / 4) {
        throw new CorruptRecordException("bad message count " + count);
      }
      int[] offsets = new int[count];
      int[] lengths = new int[count];
      for (int i = 0; i < count; i++) {
        int length = buffer.getInt();
        if (length <= 0 || length > buffer.remaining()) {
          throw new CorruptRecordException("bad message length " + length);
        }
        offsets[i] = LogRecord.HEADER_SIZE + buffer.position();
        lengths[i] = length;
        buffer.position(buffer.position() + length);
      }
      if (buffer.hasRemaining()) {
        throw new CorruptRecordException(buffer.remaining() + " stray bytes after the messages");
      }
      DecodedRecord decoded =
          new DecodedRecord(
              type,
              meta,
              producer,
              streamSeq,
              (flags & LogRecord.CLOSES) != 0,
              offsets,
              lengths,
              body.length);
      decoded.basePosition = basePosition;
      decoded.baseProducers = baseProducers;
      return decoded;
    } catch (BufferUnderflowException e) {
      throw new CorruptRecordException("record body ends early");
    }
  }

  private static ProducerState getProducer(ByteBuffer buffer) throws CorruptRecordException {
    return new ProducerState(
        requireString(buffer),
        buffer.getLong(),
        buffer.getLong(),
        buffer.getLong(),
        buffer.get() != 0);
  }

  private static @Nullable Long getOptionalLong(ByteBuffer buffer) {
    boolean present = buffer.get() != 0;
    long value = buffer.getLong();
    return present ? value : null;
  }

  private static String requireString(ByteBuffer buffer) throws CorruptRecordException {
    String s = getString(buffer);
    if (s == null) throw new CorruptRecordException("missing string");
    return s;
  }

  private static @Nullable String getString(ByteBuffer buffer) throws CorruptRecordException {
    int length = buffer.getInt();
    if (length == -1) return null;
    if (length < 0 || length > buffer.remaining()) {
      throw new CorruptRecordException("bad string length " + length);
    }
    ByteBuffer bytes = buffer.slice();
    bytes.limit(length);
    buffer.position(buffer.position() + length);
    try {
      return UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new CorruptRecordException("string is not UTF-8");
    }
  }
}
