package dev.rstream.server.http;

/**
 * Validates the stream path part of a URL ({@code /v1/stream/{path}}), spec 12.2: no traversal, no
 * empty segments, a conservative character set and a length limit, so that a path can be used as a
 * storage key or a file name component without further escaping.
 */
final class StreamPath {
  static final int MAX_LENGTH = 512;

  private StreamPath() {}

  /**
   * Decodes the raw (still percent-encoded) path after the stream prefix and returns it when it is
   * acceptable. Works on the raw path, not Jetty's canonical one: {@code a/../b} must be refused,
   * not quietly resolved to {@code b}. Percent-escapes are decoded only to characters of the
   * allowed set, so an escape can never produce a separator or hide a dot segment.
   *
   * @throws HttpError 400 {@code invalid_path} naming the problem
   */
  static String validateRaw(String raw) throws HttpError {
    if (raw.indexOf('%') < 0) {
      return validate(raw);
    }
    StringBuilder decoded = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int value =
            i + 2 < raw.length() ? hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)) : -1;
        if (value < 0 || value == '/' || !allowed((char) value)) {
          throw HttpError.badRequest(
              "invalid_path",
              "stream path " + quote(raw) + " has an escape outside [A-Za-z0-9._~:@+-]");
        }
        decoded.append((char) value);
        i += 2;
      } else {
        decoded.append(c);
      }
    }
    return validate(decoded.toString());
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1024;
  }

  /**
   * Returns {@code path} (decoded) when it is acceptable.
   *
   * @throws HttpError 400 {@code invalid_path} naming the problem
   */
  static String validate(String path) throws HttpError {
    if (path.isEmpty()) {
      throw HttpError.badRequest("invalid_path", "empty stream path");
    }
    if (path.length() > MAX_LENGTH) {
      throw HttpError.badRequest(
          "invalid_path", "stream path longer than " + MAX_LENGTH + " characters");
    }
    int segmentStart = 0;
    for (int i = 0; i <= path.length(); i++) {
      char c = i < path.length() ? path.charAt(i) : '/';
      if (c == '/') {
        String segment = path.substring(segmentStart, i);
        if (segment.isEmpty()) {
          throw HttpError.badRequest(
              "invalid_path", "stream path " + quote(path) + " has an empty segment");
        }
        if (segment.equals(".") || segment.equals("..")) {
          throw HttpError.badRequest(
              "invalid_path", "stream path " + quote(path) + " has a '.' or '..' segment");
        }
        segmentStart = i + 1;
      } else if (!allowed(c)) {
        throw HttpError.badRequest(
            "invalid_path",
            "stream path " + quote(path) + " has a character outside [A-Za-z0-9._~:@+-]");
      }
    }
    return path;
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_'
        || c == '.'
        || c == '~'
        || c == ':'
        || c == '@'
        || c == '+';
  }

  private static String quote(String path) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < path.length() && i < 80; i++) {
      char c = path.charAt(i);
      out.append(c < 0x20 || c > 0x7e ? '?' : c);
    }
    return out.append('"').toString();
  }
}
