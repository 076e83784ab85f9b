package dev.rstream.chaos;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 body as the {@link FaultProxy} relays it: its payload read with the framing taken off
 * ({@code Content-Length}, chunked or close-delimited), and payload written back in the framing of
 * choice. Not thread-safe: one connection's thread reads one body.
 */
final class HttpBody {
  private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(ISO_8859_1);

  private final InputStream in;
  private final boolean chunked;
  private long remaining;
  private boolean done;

  /**
   * The body on {@code in}: chunked, or {@code length} bytes ({@link Long#MAX_VALUE}: up to the end
   * of the stream).
   */
  HttpBody(InputStream in, boolean chunked, long length) {
    this.in = in;
    this.chunked = chunked;
    this.remaining = chunked ? 0 : length;
  }

  /** Reads payload into {@code buffer}; returns how many bytes, or -1 at the end of the body. */
  int read(byte[] buffer) throws IOException {
    if (done) return -1;
    if (chunked && remaining == 0) {
      String size = readLine(in);
      if (size == null) throw new EOFException("chunk size");
      int semicolon = size.indexOf(';');
      long chunk =
          Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
      if (chunk == 0) {
        // Trailers, if any, up to the empty line.
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
          // ignored
        }
        done = true;
        return -1;
      }
      remaining = chunk;
    }
    if (!chunked && remaining == 0) {
      done = true;
      return -1;
    }
    int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
    if (n < 0) {
      if (!chunked && remaining == Long.MAX_VALUE) {
        done = true;
        return -1; // close-delimited: the end of the stream is the end of the body
      }
      throw new EOFException("body cut upstream");
    }
    if (remaining != Long.MAX_VALUE) remaining -= n;
    if (chunked && remaining == 0) {
      if (readLine(in) == null) throw new EOFException("chunk end");
    }
    return n;
  }

  /**
   * Copies (or with {@code out} null, skips) {@code length} body bytes; chunked: the whole body,
   * re-framed.
   */
  static void copy(InputStream in, @Nullable OutputStream out, long length, boolean chunked)
      throws IOException {
    if (chunked) {
      copyChunked(in, out);
      return;
    }
    byte[] buffer = new byte[8192];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) throw new EOFException("request body cut");
      if (out != null) out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static void copyChunked(InputStream in, @Nullable OutputStream out) throws IOException {
    HttpBody body = new HttpBody(in, true, 0);
    byte[] buffer = new byte[8192];
    for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
      if (out != null) write(out, buffer, 0, n, true);
    }
    if (out != null) writeEnd(out);
  }

  /** Writes {@code count} payload bytes, as one chunk if {@code chunked}; nothing if none. */
  static void write(OutputStream out, byte[] buffer, int offset, int count, boolean chunked)
      throws IOException {
    if (count <= 0) return;
    if (chunked) out.write((Integer.toHexString(count) + "\r\n").getBytes(ISO_8859_1));
    out.write(buffer, offset, count);
    if (chunked) out.write("\r\n".getBytes(ISO_8859_1));
  }

  /** Writes the last chunk of a chunked body. */
  static void writeEnd(OutputStream out) throws IOException {
    out.write(LAST_CHUNK);
  }

  private static @Nullable String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) return null;
      if (b == '\n') {
        int length = line.length();
        if (length > 0 && line.charAt(length - 1) == '\r') line.setLength(length - 1);
        return line.toString();
      }
      line.append((char) b);
    }
  }
}
