package dev.rstream;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A State Protocol change message: insert, update or delete one entity, identified by {@link
 * #type()} and {@link #key()}. Immutable and thread-safe.
 *
 * <p>Values are kept as compact JSON text, as sent: a held change costs about its JSON size, and is
 * parsed only when someone asks for a typed value (see {@link StateView#value}).
 *
 * <p>To append, build one with {@link #insert}, {@link #update}, {@link #delete} or {@link
 * #builder}; {@link #offset()} is ignored on append (the server sets it), and a change with no
 * {@link #timestamp()} gets the server's receive time.
 */
public final class Change {
  /** The operation a change applies. */
  public enum Operation {
    /** Creates the entity (puts its value). */
    INSERT("insert"),
    /** Replaces the entity's value (puts it, whether or not it existed). */
    UPDATE("update"),
    /** Removes the entity. */
    DELETE("delete");

    private final String wireName;

    Operation(String wireName) {
      this.wireName = wireName;
    }

    /** The value of {@code headers.operation} on the wire. */
    public String wireName() {
      return wireName;
    }

    /** The operation for a wire name, or null if it is not one of the three. */
    public static @Nullable Operation fromWireName(String name) {
      switch (name) {
        case "insert":
          return INSERT;
        case "update":
          return UPDATE;
        case "delete":
          return DELETE;
        default:
          return null;
      }
    }
  }

  private static final JsonFactory JSON = new JsonFactory();

  private final String type;
  private final String key;
  private final Operation operation;
  private final @Nullable String value;
  private final @Nullable String oldValue;
  private final @Nullable Instant timestamp;
  private final @Nullable String txid;
  private final @Nullable Offset offset;

  private Change(Builder builder) {
    // build() checked the three.
    this(
        requireNonNull(builder.type),
        requireNonNull(builder.key),
        requireNonNull(builder.operation),
        builder.value,
        builder.oldValue,
        builder.timestamp,
        builder.txid,
        builder.offset);
  }

  /**
   * A change from fields already checked as {@link Builder#build} checks them: through {@code
   * Internal}, or from the builder.
   */
  Change(
      String type,
      String key,
      Operation operation,
      @Nullable String value,
      @Nullable String oldValue,
      @Nullable Instant timestamp,
      @Nullable String txid,
      @Nullable Offset offset) {
    this.type = type;
    this.key = key;
    this.operation = operation;
    this.value = value;
    this.oldValue = oldValue;
    this.timestamp = timestamp;
    this.txid = txid;
    this.offset = offset;
  }

  /** An insert of {@code valueJson} (one JSON value, as text) at {@code type}/{@code key}. */
  public static Change insert(String type, String key, String valueJson) {
    return builder().operation(Operation.INSERT).type(type).key(key).value(valueJson).build();
  }

  /** An update setting {@code type}/{@code key} to {@code valueJson} (one JSON value, as text). */
  public static Change update(String type, String key, String valueJson) {
    return builder().operation(Operation.UPDATE).type(type).key(key).value(valueJson).build();
  }

  /** A delete of {@code type}/{@code key}. */
  public static Change delete(String type, String key) {
    return builder().operation(Operation.DELETE).type(type).key(key).build();
  }

  /** A builder with no field set. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this change's fields. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** The entity type. */
  public String type() {
    return type;
  }

  /** The entity key, unique within its type. */
  public String key() {
    return key;
  }

  /** What this change does. */
  public Operation operation() {
    return operation;
  }

  /** The new value as compact JSON text; null for a delete that carries none. */
  public @Nullable String value() {
    return value;
  }

  /** {@code old_value} as compact JSON text, or null. */
  public @Nullable String oldValue() {
    return oldValue;
  }

  /** {@code headers.timestamp}, or null on a change not yet stamped by a server. */
  public @Nullable Instant timestamp() {
    return timestamp;
  }

  /** {@code headers.txid}, or null. */
  public @Nullable String txid() {
    return txid;
  }

  /**
   * {@code headers.offset} as served: the offset that follows the append unit this change was
   * written in (resuming from it returns what came after). Null if the server sent none.
   */
  public @Nullable Offset offset() {
    return offset;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Change)) return false;
    Change that = (Change) o;
    return type.equals(that.type)
        && key.equals(that.key)
        && operation == that.operation
        && Objects.equals(value, that.value)
        && Objects.equals(oldValue, that.oldValue)
        && Objects.equals(timestamp, that.timestamp)
        && Objects.equals(txid, that.txid)
        && Objects.equals(offset, that.offset);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, key, operation, value, oldValue, timestamp, txid, offset);
  }

  @Override
  public String toString() {
    return "Change{"
        + operation.wireName
        + " "
        + type
        + "/"
        + key
        + (value != null ? " = " + value : "")
        + (timestamp != null ? " @" + timestamp : "")
        + (offset != null ? " offset=" + offset : "")
        + "}";
  }

  /** Builds a {@link Change}; checks each argument as it is set. Not thread-safe. */
  public static final class Builder {
    private @Nullable String type;
    private @Nullable String key;
    private @Nullable Operation operation;
    private @Nullable String value;
    private @Nullable String oldValue;
    private @Nullable Instant timestamp;
    private @Nullable String txid;
    private @Nullable Offset offset;

    Builder() {}

    Builder(Change change) {
      this.type = change.type;
      this.key = change.key;
      this.operation = change.operation;
      this.value = change.value;
      this.oldValue = change.oldValue;
      this.timestamp = change.timestamp;
      this.txid = change.txid;
      this.offset = change.offset;
    }

    /** Sets the entity type; must be non-empty. */
    public Builder type(String type) {
      requireNonNull(type, "type == null");
      if (type.isEmpty()) throw new IllegalArgumentException("type is empty");
      this.type = type;
      return this;
    }

    /** Sets the entity key; must be non-empty. */
    public Builder key(String key) {
      requireNonNull(key, "key == null");
      if (key.isEmpty()) throw new IllegalArgumentException("key is empty");
      this.key = key;
      return this;
    }

    /** Sets the operation; required. */
    public Builder operation(Operation operation) {
      this.operation = requireNonNull(operation, "operation == null");
      return this;
    }

    /**
     * Sets the value: exactly one JSON value as text ({@code "\"text\""} for a JSON string), or
     * null for none (deletes only).
     *
     * @throws IllegalArgumentException if {@code json} is not exactly one JSON value.
     */
    public Builder value(@Nullable String json) {
      this.value = json == null ? null : checkJson(json, "value");
      return this;
    }

    /** Sets {@code old_value}: one JSON value as text, or null. */
    public Builder oldValue(@Nullable String json) {
      this.oldValue = json == null ? null : checkJson(json, "oldValue");
      return this;
    }

    /** Sets {@code headers.timestamp}, or null to let the server stamp its receive time. */
    public Builder timestamp(@Nullable Instant timestamp) {
      this.timestamp = timestamp;
      return this;
    }

    /** Sets {@code headers.txid}; non-empty, or null for none. */
    public Builder txid(@Nullable String txid) {
      if (txid != null && txid.isEmpty()) throw new IllegalArgumentException("txid is empty");
      this.txid = txid;
      return this;
    }

    /** Sets {@code headers.offset}; readers set it from what the server sent. */
    public Builder offset(@Nullable Offset offset) {
      this.offset = offset;
      return this;
    }

    /**
     * Returns the change.
     *
     * @throws IllegalStateException if type, key or operation is missing, or an insert or update
     *     has no value.
     */
    public Change build() {
      if (type == null) throw new IllegalStateException("type == null");
      if (key == null) throw new IllegalStateException("key == null");
      if (operation == null) throw new IllegalStateException("operation == null");
      if (value == null && operation != Operation.DELETE) {
        throw new IllegalStateException(
            operation.wireName + " of " + type + "/" + key + " has no value");
      }
      return new Change(this);
    }

    private static String checkJson(String json, String name) {
      try (JsonParser parser = JSON.createParser(json)) {
        JsonToken first = parser.nextToken();
        if (first == null) throw new IllegalArgumentException(name + " is not JSON: empty");
        parser.skipChildren();
        if (parser.nextToken() != null) {
          throw new IllegalArgumentException(name + " is more than one JSON value: " + json);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(name + " is not JSON: " + e.getMessage(), e);
      }
      return json;
    }
  }
}
