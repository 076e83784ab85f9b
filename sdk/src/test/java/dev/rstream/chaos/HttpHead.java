package dev.rstream.chaos;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 head as the {@link FaultProxy} sees it: start line and headers, in order, editable,
 * and written back as bytes. Not thread-safe: one connection's thread owns it.
 */
final class HttpHead {
  final String startLine;
  private final List<String[]> headers = new ArrayList<>();

  private HttpHead(String startLine) {
    this.startLine = startLine;
  }

  /**
   * The bytes of a head, up to and including the empty line, or null at a clean end of stream
   * before any; throws at an end of stream inside one.
   */
  static byte @Nullable [] read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    int last = 0; // the last four bytes read, oldest in the high byte
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) return null;
        throw new EOFException("head cut");
      }
      head.write(b);
      last = (last << 8) | b;
      if (last == 0x0d0a0d0a) return head.toByteArray();
      if (head.size() > 65_536) throw new IOException("head too long");
    }
  }

  static HttpHead parse(byte[] bytes) {
    String[] lines = new String(bytes, ISO_8859_1).split("\r\n");
    HttpHead head = new HttpHead(lines[0]);
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isEmpty()) continue;
      int colon = lines[i].indexOf(':');
      if (colon < 0) continue;
      head.headers.add(
          new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
    }
    return head;
  }

  /** A request's method: the start line's first word. */
  String method() {
    return startLine.split(" ", 2)[0];
  }

  /** A request's target: the start line's second word, or empty if it has none. */
  String target() {
    String[] words = startLine.split(" ", 3);
    return words.length > 1 ? words[1] : "";
  }

  /** A response's status code: the start line's second word. */
  int status() {
    return Integer.parseInt(startLine.split(" ", 3)[1]);
  }

  @Nullable String get(String name) {
    for (String[] header : headers) if (header[0].equalsIgnoreCase(name)) return header[1];
    return null;
  }

  void remove(String name) {
    headers.removeIf(h -> h[0].equalsIgnoreCase(name));
  }

  void set(String name, String value) {
    remove(name);
    headers.add(new String[] {name, value});
  }

  /** The {@code Content-Length}, or -1 without one. */
  long contentLength() {
    String value = get("Content-Length");
    return value == null ? -1 : Long.parseLong(value.trim());
  }

  boolean chunked() {
    String value = get("Transfer-Encoding");
    return value != null && value.toLowerCase(Locale.ROOT).contains("chunked");
  }

  /** A {@code text/event-stream} body. */
  boolean eventStream() {
    String contentType = get("Content-Type");
    return contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  byte[] bytes() {
    StringBuilder out = new StringBuilder(startLine).append("\r\n");
    for (String[] header : headers)
      out.append(header[0]).append(": ").append(header[1]).append("\r\n");
    return out.append("\r\n").toString().getBytes(ISO_8859_1);
  }
}
