package dev.rstream.server.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The on-disk record of {@link FileLogStore}: one per stream creation and one per append unit, so
 * that a unit's messages, the producer state it commits, its {@code Stream-Seq} and its closed flag
 * reach the disk (or fail to) together.
 *
 * <pre>
 * record  = length:int32 crc:int32 body            (big-endian; crc = CRC32C of body)
 * body    = CREATE create-fields unit | UNIT unit | BASE create-fields base-fields unit
 * create-fields = incarnation:int64 createdAtMillis:int64 path:str contentType:str
 *                 ttlSeconds:optlong expiresAtMillis:optlong keyframePolicy:optstr
 * base-fields   = retention:optstr basePosition:int64 count:int32 producer*
 * unit    = flags:int8 [producer] [streamSeq:str] count:int32 (length:int32 bytes)*
 *           flags: 1 = closes the stream, 2 = producer present, 4 = streamSeq present
 * producer = producerId:str epoch:int64 lastSeq:int64 lastTailPosition:int64 closedStream:int8
 * str     = length:int32 utf8-bytes  (optstr: length -1 for null)
 * optlong = present:int8 [value:int64]
 * </pre>
 *
 * Positions are not stored: they are the running sum of message lengths, rebuilt at recovery,
 * starting from 0, or from {@code basePosition} in a file that begins with a {@code BASE} record. A
 * {@code BASE} record opens a stream created with a retention, or a compacted file: it carries the
 * producer states of the units compaction dropped (its own unit then has no messages, only the
 * {@code Stream-Seq} and closed flag as of the cut). Files without retention or compaction keep the
 * {@code CREATE} record, so files written before {@code BASE} existed read as they always did.
 *
 * <p>Records are built here and read back by {@link DecodedRecord}.
 */
final class LogRecord {
  static final byte CREATE = 1;
  static final byte UNIT = 2;
  static final byte BASE = 3;
  static final int HEADER_SIZE = 8;

  /** Bodies above this are refused when written and treated as corruption when read. */
  static final int MAX_BODY_SIZE = 1 << 30;

  static final int CLOSES = 1;
  static final int HAS_PRODUCER = 2;
  static final int HAS_STREAM_SEQ = 4;

  /** Record bytes ready to write, and where each message's bytes sit in them. */
  final byte[] bytes;

  final int[] messageOffsets;
  final int[] messageLengths;

  /** Sum of the message lengths. */
  final long messageBytes;

  private LogRecord(byte[] bytes, int[] messageOffsets, int[] messageLengths, long messageBytes) {
    this.bytes = bytes;
    this.messageOffsets = messageOffsets;
    this.messageLengths = messageLengths;
    this.messageBytes = messageBytes;
  }

  static LogRecord create(StreamMeta meta, long incarnation, List<byte[]> messages) {
    if (meta.retention() != null) {
      return base(meta, incarnation, 0, List.of(), meta.lastStreamSeq(), meta.closed(), messages);
    }
    return creation(CREATE, meta, incarnation, 0, List.of(), messages);
  }

  /**
   * The first record of a compacted file: the stream as created, starting at {@code basePosition},
   * with the producer states, {@code Stream-Seq} and closed flag that the dropped units committed.
   */
  static LogRecord base(
      StreamMeta meta,
      long incarnation,
      long basePosition,
      List<ProducerState> producers,
      @Nullable String lastStreamSeq,
      boolean closed,
      List<byte[]> messages) {
    StreamMeta at = meta.asCreated(incarnation).withState(0, closed, lastStreamSeq, 0);
    return creation(BASE, at, incarnation, basePosition, producers, messages);
  }

  private static LogRecord creation(
      byte type,
      StreamMeta meta,
      long incarnation,
      long basePosition,
      List<ProducerState> producers,
      List<byte[]> messages) {
    byte[] path = meta.path().getBytes(UTF_8);
    byte[] contentType = meta.contentType().getBytes(UTF_8);
    byte @Nullable [] keyframePolicy =
        meta.keyframePolicy() == null ? null : meta.keyframePolicy().getBytes(UTF_8);
    int fields =
        8
            + 8
            + 4
            + path.length
            + 4
            + contentType.length
            + 9
            + 9
            + 4
            + nullableLength(keyframePolicy);
    byte @Nullable [] retention = null;
    List<byte[]> producerIds = new java.util.ArrayList<>();
    if (type == BASE) {
      retention = meta.retention() == null ? null : meta.retention().getBytes(UTF_8);
      fields += 4 + nullableLength(retention) + 8 + 4;
      for (ProducerState p : producers) {
        byte[] id = p.producerId().getBytes(UTF_8);
        producerIds.add(id);
        fields += PRODUCER_FIXED + id.length;
      }
    }
    Unit unit = new Unit(messages, null, meta.lastStreamSeq(), meta.closed());
    ByteBuffer buffer =
        ByteBuffer.allocate(checkedSize((long) HEADER_SIZE + 1 + fields + unit.size));
    buffer.position(HEADER_SIZE);
    buffer.put(type);
    buffer.putLong(incarnation);
    buffer.putLong(meta.createdAtMillis());
    putBytes(buffer, path);
    putBytes(buffer, contentType);
    putOptionalLong(buffer, meta.ttlSeconds());
    putOptionalLong(buffer, meta.expiresAtMillis());
    putBytes(buffer, keyframePolicy);
    if (type == BASE) {
      putBytes(buffer, retention);
      buffer.putLong(basePosition);
      buffer.putInt(producers.size());
      for (int i = 0; i < producers.size(); i++) {
        putProducer(buffer, producerIds.get(i), producers.get(i));
      }
    }
    return unit.writeTo(buffer);
  }

  /** Bytes of an encoded producer state besides its id. */
  static final int PRODUCER_FIXED = 4 + 8 + 8 + 8 + 1;

  private static void putProducer(ByteBuffer buffer, byte[] id, ProducerState producer) {
    putBytes(buffer, id);
    buffer.putLong(producer.epoch());
    buffer.putLong(producer.lastSeq());
    buffer.putLong(producer.lastTailPosition());
    buffer.put((byte) (producer.closedStream() ? 1 : 0));
  }

  static LogRecord unit(
      List<byte[]> messages,
      @Nullable ProducerState producer,
      @Nullable String streamSeq,
      boolean closes) {
    Unit unit = new Unit(messages, producer, streamSeq, closes);
    ByteBuffer buffer = ByteBuffer.allocate(checkedSize((long) HEADER_SIZE + 1 + unit.size));
    buffer.position(HEADER_SIZE);
    buffer.put(UNIT);
    return unit.writeTo(buffer);
  }

  /** CRC32C of {@code length} bytes at {@code offset}. */
  static int checksum(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  private static int checkedSize(long size) {
    if (size - HEADER_SIZE > MAX_BODY_SIZE) {
      throw new IllegalArgumentException("append unit too large: " + size + " bytes");
    }
    return (int) size;
  }

  private static int nullableLength(byte @Nullable [] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static void putBytes(ByteBuffer buffer, byte @Nullable [] bytes) {
    if (bytes == null) {
      buffer.putInt(-1);
    } else {
      buffer.putInt(bytes.length);
      buffer.put(bytes);
    }
  }

  private static void putOptionalLong(ByteBuffer buffer, @Nullable Long value) {
    buffer.put((byte) (value == null ? 0 : 1));
    buffer.putLong(value == null ? 0 : value);
  }

  /** The unit part of a record, sized before it is written so that nothing is copied twice. */
  private static final class Unit {
    final List<byte[]> messages;
    final @Nullable ProducerState producer;
    final byte @Nullable [] producerId;
    final byte @Nullable [] streamSeq;
    final boolean closes;
    final long size;

    Unit(
        List<byte[]> messages,
        @Nullable ProducerState producer,
        @Nullable String streamSeq,
        boolean closes) {
      this.messages = messages;
      this.producer = producer;
      this.producerId = producer == null ? null : producer.producerId().getBytes(UTF_8);
      this.streamSeq = streamSeq == null ? null : streamSeq.getBytes(UTF_8);
      this.closes = closes;
      long size = 1 + 4;
      if (producerId != null) size += PRODUCER_FIXED + producerId.length;
      if (this.streamSeq != null) size += 4 + this.streamSeq.length;
      for (byte[] message : messages) size += 4 + message.length;
      this.size = size;
    }

    LogRecord writeTo(ByteBuffer buffer) {
      int flags = (closes ? CLOSES : 0);
      if (producer != null) flags |= HAS_PRODUCER;
      if (streamSeq != null) flags |= HAS_STREAM_SEQ;
      buffer.put((byte) flags);
      if (producer != null && producerId != null) putProducer(buffer, producerId, producer);
      if (streamSeq != null) putBytes(buffer, streamSeq);
      buffer.putInt(messages.size());
      int[] offsets = new int[messages.size()];
      int[] lengths = new int[messages.size()];
      long messageBytes = 0;
      for (int i = 0; i < offsets.length; i++) {
        byte[] message = messages.get(i);
        buffer.putInt(message.length);
        offsets[i] = buffer.position();
        lengths[i] = message.length;
        buffer.put(message);
        messageBytes += message.length;
      }
      byte[] bytes = buffer.array();
      int bodyLength = bytes.length - HEADER_SIZE;
      buffer.putInt(0, bodyLength);
      buffer.putInt(4, checksum(bytes, HEADER_SIZE, bodyLength));
      return new LogRecord(bytes, offsets, lengths, messageBytes);
    }
  }
}
