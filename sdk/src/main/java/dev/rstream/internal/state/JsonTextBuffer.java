package dev.rstream.internal.state;

import java.util.Arrays;

/**
 * A reusable char buffer that JSON text is written into, strings quoted and escaped as Jackson's
 * generator escapes them. Not thread-safe.
 */
final class JsonTextBuffer {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  private char[] chars = new char[256];
  private int length;

  private void ensure(int more) {
    if (length + more > chars.length) {
      chars = Arrays.copyOf(chars, Math.max(chars.length * 2, length + more));
    }
  }

  void write(char[] source, int offset, int count) {
    ensure(count);
    System.arraycopy(source, offset, chars, length, count);
    length += count;
  }

  void write(String source) {
    int count = source.length();
    ensure(count);
    source.getChars(0, count, chars, length);
    length += count;
  }

  void write(char c) {
    ensure(1);
    chars[length++] = c;
  }

  void writeQuoted(String text) {
    int count = text.length();
    ensure(count + 2);
    int start = length + 1;
    text.getChars(0, count, chars, start);
    // Copied first, then escaped only if needed: names rarely hold a character to escape.
    for (int i = start, end = start + count; i < end; i++) {
      if (needsEscape(chars[i])) {
        char[] copy = Arrays.copyOfRange(chars, start, end);
        writeQuoted(copy, 0, count);
        return;
      }
    }
    chars[length] = '"';
    chars[start + count] = '"';
    length = start + count + 1;
  }

  void writeQuoted(char[] source, int offset, int count) {
    ensure(count + 2);
    chars[length++] = '"';
    int end = offset + count;
    int run = offset; // start of the run of characters that need no escape
    for (int i = offset; i < end; i++) {
      char c = source[i];
      if (!needsEscape(c)) continue;
      write(source, run, i - run);
      escape(c);
      run = i + 1;
    }
    write(source, run, end - run);
    write('"');
  }

  private static boolean needsEscape(char c) {
    return c < 0x20 || c == '"' || c == '\\';
  }

  /** As Jackson's generator by default: a short escape where JSON has one, else a hex one. */
  private void escape(char c) {
    ensure(6);
    chars[length++] = '\\';
    switch (c) {
      case '"':
      case '\\':
        chars[length++] = c;
        return;
      case '\b':
        chars[length++] = 'b';
        return;
      case '\t':
        chars[length++] = 't';
        return;
      case '\n':
        chars[length++] = 'n';
        return;
      case '\f':
        chars[length++] = 'f';
        return;
      case '\r':
        chars[length++] = 'r';
        return;
      default:
        chars[length++] = 'u';
        chars[length++] = '0';
        chars[length++] = '0';
        chars[length++] = HEX[c >> 4];
        chars[length++] = HEX[c & 0xF];
    }
  }

  /** The text written since the last take, and empties the buffer. */
  String take() {
    String text = new String(chars, 0, length);
    length = 0;
    return text;
  }
}
