package dev.rstream.benchmarks.e2e;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One row of the results table: what was measured, at which size, the figure, and the goal it is
 * held to. Immutable.
 */
final class Figure {
  final String section;
  final String name;
  final String size;
  final String value;
  final String goal;

  /** Null when the row has no goal of its own (a raw limit, a count). */
  final @Nullable Boolean met;

  Figure(
      String section, String name, String size, String value, String goal, @Nullable Boolean met) {
    this.section = requireNonNull(section, "section == null");
    this.name = requireNonNull(name, "name == null");
    this.size = requireNonNull(size, "size == null");
    this.value = requireNonNull(value, "value == null");
    this.goal = requireNonNull(goal, "goal == null");
    this.met = met;
  }

  static Figure info(String section, String name, String size, String value) {
    return new Figure(section, name, size, value, "", null);
  }

  String verdict() {
    return met == null ? "" : met ? "met" : "NOT met";
  }

  @Override
  public String toString() {
    return section + " | " + name + " | " + size + " | " + value + " | " + goal + " | " + verdict();
  }
}
