package dev.rstream.proguardcheck;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * An app's own value class, read with {@code StateView.value(type, key, Order.class)}: immutable,
 * bound through an annotated constructor, with an enum and a generic list of a nested class, the
 * parts of a class that Jackson reads by reflection. The app keeps it (see {@code app-rules.pro}).
 */
public final class Order {
  /** Where an order is. */
  public enum Status {
    NEW,
    PAID
  }

  /** One line of an order. */
  public static final class Line {
    private final String sku;
    private final int quantity;

    @JsonCreator
    public Line(@JsonProperty("sku") String sku, @JsonProperty("quantity") int quantity) {
      this.sku = sku;
      this.quantity = quantity;
    }

    public String sku() {
      return sku;
    }

    public int quantity() {
      return quantity;
    }
  }

  private final String id;
  private final Status status;
  private final List<Line> lines;

  @JsonCreator
  public Order(
      @JsonProperty("id") String id,
      @JsonProperty("status") Status status,
      @JsonProperty("lines") List<Line> lines) {
    this.id = id;
    this.status = status;
    this.lines = lines;
  }

  public String id() {
    return id;
  }

  public Status status() {
    return status;
  }

  public List<Line> lines() {
    return lines;
  }

  /** The JSON of an order with one line. */
  static String json(String id, Status status, String sku, int quantity) {
    return "{\"id\":\""
        + id
        + "\",\"status\":\""
        + status.name()
        + "\",\"lines\":[{\"sku\":\""
        + sku
        + "\",\"quantity\":"
        + quantity
        + "}]}";
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(id).append(' ').append(status);
    // The element type comes from the field's generic signature: a Line, not a map, if it was kept.
    for (Line line : lines) out.append(' ').append(line.sku()).append('x').append(line.quantity());
    return out.toString();
  }
}
