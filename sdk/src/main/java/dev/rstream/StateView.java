package dev.rstream;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.internal.state.State;
import dev.rstream.internal.window.WindowPoint;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The state of a stream at one point: every entity, by type and key, after the messages up to
 * {@link #offset()}. Immutable and thread-safe; holding one keeps that version alive, and
 * consecutive views share all but what changed between them, so a view per change costs the size of
 * the change.
 *
 * <p>Values are held as compact JSON text and parsed only on access: {@link #json} returns the
 * text, {@link #get} a Jackson tree, {@link #value} an object of your type (through the client's
 * {@code ObjectMapper}). Parsing happens on the calling thread, each time; cache what you reuse.
 */
public final class StateView {
  private final WindowPoint point;
  private final boolean fromStore;
  private final ObjectMapper mapper;

  StateView(WindowPoint point, boolean fromStore, ObjectMapper mapper) {
    this.point = point;
    this.fromStore = fromStore;
    this.mapper = mapper;
  }

  /** The position in the stream this state is at: resuming from it returns what came after. */
  public Offset offset() {
    return point.offset();
  }

  /**
   * The time of this state: the (effective) timestamp of the last change applied, or of the
   * keyframe if none was. Null when it is unknown: a stream with no keyframe, before its first
   * change, or while none of its changes so far carries a timestamp.
   */
  public @Nullable Instant timestamp() {
    return point.timestamp();
  }

  /** The id of the window this state belongs to (see {@link WindowInfo#id()}). */
  public String windowId() {
    return point.window().id();
  }

  /** True if this state was built from the local store, without reading the stream. */
  public boolean fromStore() {
    return fromStore;
  }

  /**
   * The change that produced this state from the previous one (the last of {@link #changes()});
   * null for a keyframe's state.
   */
  public @Nullable Change change() {
    return point.change();
  }

  /**
   * The changes that produced this state from the previous one, in stream order: one, or all the
   * changes appended together in one request, which {@link RStreamClient#live()} never shows apart.
   * Empty for a keyframe's state. An unmodifiable list.
   */
  public List<Change> changes() {
    return point.changes();
  }

  /** The number of entities, over all types. */
  public int size() {
    return point.state().size();
  }

  /** The types that have at least one entity. An unmodifiable view. */
  public Set<String> types() {
    return point.state().types();
  }

  /**
   * Key to value (JSON text) of every entity of {@code type}. An unmodifiable view; empty if none.
   */
  public Map<String, String> entities(String type) {
    requireNonNull(type, "type == null");
    return point.state().entities(type);
  }

  /** The value of {@code type}/{@code key} as compact JSON text, or null if there is none. */
  public @Nullable String json(String type, String key) {
    requireNonNull(type, "type == null");
    requireNonNull(key, "key == null");
    return point.state().get(type, key);
  }

  /** Whether an entity {@code type}/{@code key} exists in this state. */
  public boolean contains(String type, String key) {
    return json(type, key) != null;
  }

  /**
   * The value of {@code type}/{@code key} as a Jackson tree (parsed now), or null if there is none.
   *
   * @throws UncheckedIOException if the stored JSON cannot be parsed (it was valid when read).
   */
  public @Nullable JsonNode get(String type, String key) {
    String json = json(type, key);
    if (json == null) return null;
    try {
      return mapper.readTree(json);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The value of {@code type}/{@code key} bound to {@code valueType} with the client's {@code
   * ObjectMapper}, or null if there is none.
   *
   * @throws IllegalArgumentException if the value does not bind to {@code valueType}.
   */
  public <T> @Nullable T value(String type, String key, Class<T> valueType) {
    requireNonNull(valueType, "valueType == null");
    String json = json(type, key);
    if (json == null) return null;
    try {
      return mapper.readValue(json, valueType);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "value of " + type + "/" + key + " does not bind to " + valueType.getName(), e);
    }
  }

  State state() {
    return point.state();
  }

  WindowPoint point() {
    return point;
  }

  @Override
  public String toString() {
    return "StateView{window="
        + windowId()
        + ", offset="
        + offset()
        + ", timestamp="
        + timestamp()
        + ", size="
        + size()
        + (fromStore ? ", fromStore" : "")
        + "}";
  }
}
