package dev.modelmux.core;

import java.util.Arrays;

/**
 * Where each top-level member of a JSON object sits in the bytes it was read from, noted while it was read, so a
 * member can be copied, replaced or read again without a second parse. Offsets count from the first byte of the body.
 */
public final class MemberSpans {
  private static final int FIELDS = 3;

  private String[] names = new String[8];
  /** Per member: where it starts (its name's quote), where its value starts, where its value ends (exclusive). */
  private int[] offsets = new int[8 * FIELDS];
  private int size;

  public void add(String name, int start, int valueStart, int end) {
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
      offsets = Arrays.copyOf(offsets, size * 2 * FIELDS);
    }
    names[size] = name;
    offsets[size * FIELDS] = start;
    offsets[size * FIELDS + 1] = valueStart;
    offsets[size * FIELDS + 2] = end;
    size++;
  }

  public int size() {
    return size;
  }

  /** The member's index, or -1 when the object has no such member. */
  public int indexOf(String name) {
    for (int i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  public String name(int member) {
    return names[member];
  }

  public int start(int member) {
    return offsets[member * FIELDS];
  }

  public int valueStart(int member) {
    return offsets[member * FIELDS + 1];
  }

  public int end(int member) {
    return offsets[member * FIELDS + 2];
  }
}
