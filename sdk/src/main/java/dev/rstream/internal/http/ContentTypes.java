package dev.rstream.internal.http;

import okhttp3.MediaType;
import org.jspecify.annotations.Nullable;

/** The content types a read tells apart: JSON (read message by message) and Server-Sent Events. */
public final class ContentTypes {
  private ContentTypes() {}

  /** True for {@code application/json} and {@code application/*+json}; false for null. */
  public static boolean isJson(@Nullable MediaType type) {
    return type != null
        && "application".equals(type.type())
        && ("json".equals(type.subtype()) || type.subtype().endsWith("+json"));
  }

  /** True for {@code text/event-stream}; false for null. */
  public static boolean isEventStream(@Nullable MediaType type) {
    return type != null && "text".equals(type.type()) && "event-stream".equals(type.subtype());
  }
}
