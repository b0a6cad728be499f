package dev.modelmux.interactions;

import java.util.Locale;

/** What {@code GET /admin/costs?group=} sums by, the column it reads, and the row's label when that column is empty. */
public enum CostGroup {
  ROUTE("route"), DEPLOYMENT("deployment"), TASK("task"), KEY("client_key"), DAY("day");

  private final String column;

  CostGroup(String column) {
    this.column = column;
  }

  String column() {
    return column;
  }

  /** The name a cost row carries its value under: route, deployment, task, key or day. */
  public String field() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The label of the row of requests without a value (a plain chat call has no task, a refused one no deployment). */
  public String none() {
    return "(no " + field() + ")";
  }

  /** route, deployment, task, key or day; null for anything else. */
  public static CostGroup parse(String name) {
    for (CostGroup g : values()) {
      if (g.field().equals(name)) {
        return g;
      }
    }
    return null;
  }
}
