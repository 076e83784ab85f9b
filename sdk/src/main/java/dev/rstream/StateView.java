package dev.rstream;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rstream.internal.state.State;
import dev.rstream.internal.window.WindowPoint;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
  private final boolean rebuilt;
  private final ObjectMapper mapper;
  // What changedKeys() compares with: the state of the view its subscriber got before this one.
  private final State before;
  // What the accessors answer: the confirmed state, or it with the pending changes applied.
  private final State shown;
  private final List<Change> pending;
  // The last answer of withPending, which the next one builds on. A race builds one from scratch.
  private volatile @Nullable StateView lastWithPending;
  // Computed on first use: most subscribers never ask. A race computes it twice, equally.
  private volatile @Nullable Map<String, Set<String>> changedKeys;

  StateView(WindowPoint point, boolean fromStore, ObjectMapper mapper) {
    this(point, fromStore, mapper, State.empty());
  }

  StateView(WindowPoint point, boolean fromStore, ObjectMapper mapper, State before) {
    this(point, fromStore, false, mapper, before, point.state(), Collections.emptyList());
  }

  StateView(
      WindowPoint point, boolean fromStore, boolean rebuilt, ObjectMapper mapper, State before) {
    this(point, fromStore, rebuilt, mapper, before, point.state(), Collections.emptyList());
  }

  private StateView(
      WindowPoint point,
      boolean fromStore,
      boolean rebuilt,
      ObjectMapper mapper,
      State before,
      State shown,
      List<Change> pending) {
    this.point = point;
    this.fromStore = fromStore;
    this.rebuilt = rebuilt;
    this.mapper = mapper;
    this.before = before;
    this.shown = shown;
    this.pending = pending;
  }

  /**
   * This confirmed state with {@code pending} (this app's unacknowledged changes) applied. When
   * {@code pending} extends the list of this view's previous answer (an append while nothing was
   * confirmed), only the changes added since are applied, to that answer's state: one more pending
   * change costs its own size, not the outbox's.
   */
  StateView withPending(List<Change> pending) {
    if (pending.isEmpty() && this.pending.isEmpty()) return this;
    StateView previous = lastWithPending;
    State base = point.state();
    int from = 0;
    if (previous != null && extendsList(pending, previous.pending)) {
      base = previous.shown;
      from = previous.pending.size();
    }
    State.Editor editor = base.edit();
    for (int i = from; i < pending.size(); i++) editor.apply(pending.get(i));
    StateView view =
        new StateView(
            point,
            fromStore,
            rebuilt,
            mapper,
            before,
            editor.freeze(),
            Collections.unmodifiableList(new ArrayList<>(pending)));
    lastWithPending = view;
    return view;
  }

  /** Whether this view and {@code other} show the same confirmed state of the live cursor. */
  boolean sameConfirmedState(StateView other) {
    return point == other.point;
  }

  /** This view, not flagged {@link #rebuilt()}: for its repeats, the rebuild told already. */
  StateView notRebuilt() {
    if (!rebuilt) return this;
    return new StateView(point, fromStore, false, mapper, before, shown, pending);
  }

  /** Whether {@code list} starts with the very elements of {@code prefix}. */
  private static boolean extendsList(List<Change> list, List<Change> prefix) {
    if (prefix.size() > list.size()) return false;
    for (int i = 0; i < prefix.size(); i++) {
      if (list.get(i) != prefix.get(i)) return false;
    }
    return true;
  }

  /**
   * Whether this view shows changes this app appended that the server has not confirmed yet (its
   * durable outbox's, see {@link RStreamClient#append}). Their values are the ones the accessors
   * ({@link #json}, {@link #entities}, {@link #value}...) answer; {@link #confirmedJson} gives the
   * server's.
   */
  public boolean hasPendingWrites() {
    return !pending.isEmpty();
  }

  /**
   * The changes this view shows on top of the confirmed state, in append order: appended by this
   * app and not yet confirmed by a state that holds them. Empty for a view without pending writes.
   * An unmodifiable list.
   */
  public List<Change> pendingChanges() {
    return pending;
  }

  /**
   * The value of {@code type}/{@code key} in the confirmed state (the server's, at {@link
   * #offset()}), without this app's pending changes; null if there is none there. The same as
   * {@link #json} when {@link #hasPendingWrites()} is false.
   */
  public @Nullable String confirmedJson(String type, String key) {
    requireNonNull(type, "type == null");
    requireNonNull(key, "key == null");
    return point.state().get(type, key);
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
   * True for the first view a {@link RStreamClient#live()} (or {@link RStreamClient#live(String)})
   * subscriber gets after the live cursor rebuilt its state because the server answered 410 {@code
   * offset_gone} (retention dropped the offset it would read from, or the stream was deleted and
   * created again): this view may not follow the one before it change by change, since what the
   * server dropped meanwhile is never seen. Its {@link #changedKeys()} still lists what differs
   * from that view. False for every other view, including the first of a subscription (there is no
   * view before it) and those of one-shot reads. {@link Progress#liveRebuilds()} counts the
   * rebuilds.
   */
  public boolean rebuilt() {
    return rebuilt;
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

  /**
   * Type to the keys of the entities that differ between this view and the one its subscriber got
   * before it from the same stream: inserted, updated to another value, or deleted. For consecutive
   * views of {@link RStreamClient#live()} these are the entities the last append changed (a change
   * that wrote the value an entity had already is not among them); a subscriber that skipped views
   * (conflation, or {@link RStreamClient#live(String)} skipping views that did not touch its type)
   * gets what changed since the view it got last. For the first view of a subscription, and the
   * view of a one-shot read ({@link RStreamClient#window}, {@link RStreamClient#state()}), it is
   * compared with the empty state: every entity is listed. Types with nothing changed are absent.
   *
   * <p>Computed on the first call, on the calling thread, then kept: in O(changes) when the views
   * share their structure (successive states of one window), in O(size) across a keyframe, whose
   * state is built anew. An unmodifiable map of unmodifiable sets.
   */
  public Map<String, Set<String>> changedKeys() {
    Map<String, Set<String>> keys = changedKeys;
    if (keys == null) {
      keys = point.state().changedKeys(before);
      changedKeys = keys;
    }
    return keys;
  }

  /**
   * The keys of {@code type} in {@link #changedKeys()}: the entities of that type inserted, updated
   * to another value or deleted since the view its subscriber got before. Empty if none.
   */
  public Set<String> changedKeys(String type) {
    requireNonNull(type, "type == null");
    Set<String> keys = changedKeys().get(type);
    return keys == null ? Collections.emptySet() : keys;
  }

  /** The number of entities, over all types. */
  public int size() {
    return shown.size();
  }

  /** The types that have at least one entity. An unmodifiable view. */
  public Set<String> types() {
    return shown.types();
  }

  /**
   * Key to value (JSON text) of every entity of {@code type}. An unmodifiable view; empty if none.
   */
  public Map<String, String> entities(String type) {
    requireNonNull(type, "type == null");
    return shown.entities(type);
  }

  /** The value of {@code type}/{@code key} as compact JSON text, or null if there is none. */
  public @Nullable String json(String type, String key) {
    requireNonNull(type, "type == null");
    requireNonNull(key, "key == null");
    return shown.get(type, key);
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
        + (rebuilt ? ", rebuilt" : "")
        + (pending.isEmpty() ? "" : ", pending=" + pending.size())
        + "}";
  }
}
