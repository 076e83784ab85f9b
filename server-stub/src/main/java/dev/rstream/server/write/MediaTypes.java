package dev.rstream.server.write;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Content-type comparisons the protocol needs: by media type, case-insensitively. Stateless. */
public final class MediaTypes {
  /** The default content type of a stream created without one (spec 5.1). */
  public static final String OCTET_STREAM = "application/octet-stream";

  private MediaTypes() {}

  /**
   * The lower-cased media type without parameters ({@code "Text/Plain; x=y"} → {@code text/plain}).
   */
  public static String essence(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().toLowerCase(Locale.ROOT);
  }

  /** Whether {@code contentType} is a syntactically valid {@code type/subtype}. */
  public static boolean isValid(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    String essence = essence(contentType);
    int slash = essence.indexOf('/');
    if (slash <= 0 || slash == essence.length() - 1 || essence.indexOf('/', slash + 1) >= 0) {
      return false;
    }
    for (int i = 0; i < essence.length(); i++) {
      char c = essence.charAt(i);
      boolean token =
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "/!#$&^_.+-".indexOf(c) >= 0;
      if (!token) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code a} and {@code b} name the same media type, parameters aside. */
  public static boolean sameType(String a, String b) {
    return essence(a).equals(essence(b));
  }

  /** Whether streams of {@code contentType} are in JSON mode (spec 9.1). */
  public static boolean isJson(String contentType) {
    return essence(contentType).equals("application/json");
  }

  /** Text the SSE data events can carry as is (spec 5.8); everything else is base64. */
  public static boolean isTextual(String contentType) {
    String essence = essence(contentType);
    return essence.startsWith("text/") || essence.equals("application/json");
  }
}
