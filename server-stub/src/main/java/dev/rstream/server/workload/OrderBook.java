package dev.rstream.server.workload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * A small shop's order book as a source of State Protocol changes: customers sign up and change
 * tier, orders are placed, move through {@code new → paid → shipped → delivered}, change quantity,
 * and are deleted once delivered or cancelled. Every change is valid against the state so far (no
 * update or delete of a missing entity, no insert of an existing one), including a state read back
 * from a stream through {@link #observe}. Deterministic for a seed and that state. Not thread-safe.
 */
final class OrderBook {
  private static final String[] NAMES = {
    "Ada", "Brook", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kofi", "Lena"
  };
  private static final String[] TIERS = {"bronze", "silver", "gold"};
  private static final String[] ITEMS = {
    "espresso beans", "oat milk", "paper filters", "grinder", "kettle", "mug", "scale", "tamper"
  };
  private static final String[] STATUSES = {"new", "paid", "shipped", "delivered"};
  private static final int MAX_CUSTOMERS = 40;
  private static final int MAX_ORDERS = 200;

  private final Random random;
  private final Map<String, ObjectNode> customers = new LinkedHashMap<>();
  private final Map<String, ObjectNode> orders = new LinkedHashMap<>();
  private int nextCustomer = 1;
  private int nextOrder = 1;

  OrderBook(long seed) {
    this.random = new Random(seed);
  }

  /** A change: type, key, operation and (for insert and update) value. */
  record Change(String type, String key, String operation, @Nullable ObjectNode value) {}

  /**
   * Applies a change already in the stream, so that the changes {@link #next} makes continue from
   * it. New keys are numbered after every key ever seen, deleted ones included, so that an insert
   * never repeats the key of an entity that once existed. An order whose status is not one of ours
   * is left alone: it is forgotten rather than moved on.
   */
  void observe(String type, String key, String operation, @Nullable ObjectNode value) {
    Map<String, ObjectNode> entities;
    if (type.equals("customer")) {
      entities = customers;
      nextCustomer = Math.max(nextCustomer, number(key, "c-") + 1);
    } else if (type.equals("order")) {
      entities = orders;
      nextOrder = Math.max(nextOrder, number(key, "o-") + 1);
    } else {
      return;
    }
    boolean usable =
        value != null
            && (entities == customers || indexOf(STATUSES, value.path("status").asText("")) >= 0);
    if (operation.equals("delete") || !usable || value == null) entities.remove(key);
    else entities.put(key, value.deepCopy());
  }

  /** Forgets the state (a {@code reset} in the stream); key numbering goes on. */
  void clear() {
    customers.clear();
    orders.clear();
  }

  /** The number in a key like {@code o-000042}, or 0 for a key not made by this book. */
  private static int number(String key, String prefix) {
    if (!key.startsWith(prefix)) return 0;
    try {
      return Integer.parseInt(key.substring(prefix.length()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  Change next() {
    int roll = random.nextInt(100);
    if (customers.isEmpty() || (roll < 10 && customers.size() < MAX_CUSTOMERS)) {
      return newCustomer();
    }
    if (orders.isEmpty() || (roll < 45 && orders.size() < MAX_ORDERS)) {
      return newOrder();
    }
    if (roll < 50) {
      String key = pick(new ArrayList<>(customers.keySet()));
      ObjectNode value = java.util.Objects.requireNonNull(customers.get(key)).deepCopy();
      value.put("tier", TIERS[random.nextInt(TIERS.length)]);
      customers.put(key, value);
      return new Change("customer", key, "update", value);
    }
    String key = pick(new ArrayList<>(orders.keySet()));
    ObjectNode order = java.util.Objects.requireNonNull(orders.get(key));
    String status = order.get("status").asText();
    if (roll < 60 || status.equals("delivered") || orders.size() >= MAX_ORDERS) {
      orders.remove(key);
      return new Change("order", key, "delete", null);
    }
    ObjectNode value = order.deepCopy();
    if (roll < 70 && status.equals("new")) {
      value.put("quantity", 1 + random.nextInt(5));
    } else {
      value.put("status", STATUSES[indexOf(STATUSES, status) + 1]);
    }
    orders.put(key, value);
    return new Change("order", key, "update", value);
  }

  private Change newCustomer() {
    String key = String.format("c-%04d", nextCustomer++);
    String name = NAMES[random.nextInt(NAMES.length)];
    ObjectNode value = JsonNodeFactory.instance.objectNode();
    value.put("name", name);
    value.put("email", name.toLowerCase(java.util.Locale.ROOT) + "." + key + "@example.com");
    value.put("tier", TIERS[random.nextInt(TIERS.length)]);
    customers.put(key, value);
    return new Change("customer", key, "insert", value);
  }

  private Change newOrder() {
    String key = String.format("o-%06d", nextOrder++);
    ObjectNode value = JsonNodeFactory.instance.objectNode();
    value.put("customer", pick(new ArrayList<>(customers.keySet())));
    value.put("item", ITEMS[random.nextInt(ITEMS.length)]);
    value.put("quantity", 1 + random.nextInt(3));
    value.put("price", BigDecimal.valueOf(199 + random.nextInt(4800), 2));
    value.put("status", "new");
    orders.put(key, value);
    return new Change("order", key, "insert", value);
  }

  private String pick(List<String> keys) {
    return keys.get(random.nextInt(keys.size()));
  }

  private static int indexOf(String[] values, String value) {
    for (int i = 0; i < values.length; i++) if (values[i].equals(value)) return i;
    return -1;
  }
}
