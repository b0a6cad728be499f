package dev.modelmux.interactions;

import java.util.Locale;

/** What {@code GET /admin/costs?group=} sums by, and the column it reads. */
public enum CostGroup {
  ROUTE("route"), DEPLOYMENT("deployment"), TASK("task"), KEY("client_key"), DAY("day");

  private final String column;

  CostGroup(String column) {
    this.column = column;
  }

  String column() {
    return column;
  }

  /** route, deployment, task, key or day; null for anything else. */
  public static CostGroup parse(String name) {
    for (CostGroup g : values()) {
      if (g.name().toLowerCase(Locale.ROOT).equals(name)) {
        return g;
      }
    }
    return null;
  }
}
