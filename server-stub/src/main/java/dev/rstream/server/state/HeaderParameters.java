package dev.rstream.server.state;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The parameter list of a policy header ({@code changes=100, interval=10s}, {@code windows=3,
 * age=2h}): comma-separated {@code name=value} parts, each name at most once, in any order. Names
 * are case-insensitive; whitespace around names, values and parts is ignored. Bad input is an
 * {@link IllegalArgumentException} whose message names the header and its value ({@link
 * HeaderDuration#invalid}).
 */
final class HeaderParameters {
  private HeaderParameters() {}

  /**
   * Hands each part of {@code headerValue}, a value of {@code header}, to the parser {@code
   * parameters} holds for its name (lower-cased), in the order the parts come.
   *
   * @throws IllegalArgumentException for a part that is not {@code name=value}, a name given twice
   *     or one {@code parameters} does not hold, at the first such part; or whatever a parser threw
   */
  static void parse(String header, String headerValue, Map<String, Consumer<String>> parameters) {
    Set<String> seen = new HashSet<>();
    for (String part : headerValue.split(",", -1)) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq < 0) {
        throw HeaderDuration.invalid(header, headerValue, "'" + p + "' is not name=value");
      }
      String name = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      Consumer<String> parameter = parameters.get(name);
      if (parameter == null) {
        throw HeaderDuration.invalid(header, headerValue, "unknown parameter '" + name + "'");
      }
      if (!seen.add(name)) {
        throw HeaderDuration.invalid(header, headerValue, name + " given twice");
      }
      parameter.accept(p.substring(eq + 1).trim());
    }
  }
}
