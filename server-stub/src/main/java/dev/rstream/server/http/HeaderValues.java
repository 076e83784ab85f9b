package dev.rstream.server.http;

import org.jspecify.annotations.Nullable;

/** The syntax of protocol header values: flags and unsigned decimal integers. Stateless. */
final class HeaderValues {
  private HeaderValues() {}

  /** Whether a flag header such as {@code Stream-Closed} is set: {@code true}, any case. */
  static boolean isTrue(@Nullable String value) {
    return value != null && value.trim().equalsIgnoreCase("true");
  }

  /**
   * Parses an unsigned decimal integer of 1 to {@code maxDigits} ASCII digits (no sign, no spaces),
   * with leading zeros only when {@code leadingZeros}.
   *
   * @return the value, or -1 when {@code value} is not such a number
   */
  static long unsignedDecimal(String value, int maxDigits, boolean leadingZeros) {
    int length = value.length();
    if (length == 0 || length > maxDigits || maxDigits > 18) {
      return -1;
    }
    if (!leadingZeros && length > 1 && value.charAt(0) == '0') {
      return -1;
    }
    long result = 0;
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      result = result * 10 + (c - '0');
    }
    return result;
  }
}
