package dev.rstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * One entity, by type and key, as it is in a {@link StateView}: its value, or its absence. What
 * {@link RStreamClient#live(String, String)} emits. Immutable and thread-safe; it keeps the whole
 * view it was read from alive ({@link #state()}).
 */
public final class EntityView {
  private final String type;
  private final String key;
  private final @Nullable String json;
  private final StateView state;

  EntityView(String type, String key, @Nullable String json, StateView state) {
    this.type = type;
    this.key = key;
    this.json = json;
    this.state = state;
  }

  /** The entity's type. */
  public String type() {
    return type;
  }

  /** The entity's key. */
  public String key() {
    return key;
  }

  /** Whether the entity exists in this state (false: it was never written, or deleted). */
  public boolean exists() {
    return json != null;
  }

  /** The value as compact JSON text, or null if the entity does not exist. */
  public @Nullable String json() {
    return json;
  }

  /**
   * The value as a Jackson tree (parsed now, on the calling thread), or null if the entity does not
   * exist.
   *
   * @throws UncheckedIOException if the stored JSON cannot be parsed (it was valid when read).
   */
  public @Nullable JsonNode get() {
    return state.get(type, key);
  }

  /**
   * The value bound to {@code valueType} with the client's {@code ObjectMapper}, or null if the
   * entity does not exist.
   *
   * @throws IllegalArgumentException if the value does not bind to {@code valueType}.
   */
  public <T> @Nullable T value(Class<T> valueType) {
    return state.value(type, key, valueType);
  }

  /** The whole state this value was read from: its offset, timestamp and changes. */
  public StateView state() {
    return state;
  }

  @Override
  public String toString() {
    return "EntityView{"
        + type
        + "/"
        + key
        + (json == null ? " absent" : "=" + json)
        + ", offset="
        + state.offset()
        + "}";
  }
}
