package io.rsground.weights;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the pickle reader's parts say about the values they meet, and the errors they raise. */
final class PickleValues {
    /** Deepest nesting of tuples and frozensets in a dict key or set member; real keys nest a level or two. */
    static final int MAX_KEY_DEPTH = 100;
    /** Most parts a dict key or set member may hold, a part shared within it counted at each occurrence. */
    static final long MAX_KEY_PARTS = 10_000;

    private PickleValues() {
    }

    /** A malformed pickle found in a static helper; the caller adds file and position. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** A Python global that is neither denied nor a known constructor: a class to rebuild as data, or a name. */
    record PythonGlobal(String qualified) {
    }

    static long toLong(Object value, String what) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        throw new Malformed(what + " should be an integer but is " + describe(value));
    }

    static long[] toLongs(Object value, String what) {
        Object[] items;
        if (value instanceof Object[] a) {
            items = a;
        } else if (value instanceof List<?> l) {
            items = l.toArray();
        } else {
            throw new Malformed(what + " should be a tuple of integers but is " + describe(value));
        }
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = toLong(items[i], what + "[" + i + "]");
        }
        return out;
    }

    static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Object[] a) {
            return "tuple of " + a.length;
        }
        if (value instanceof String s) {
            return "'" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.getClass().getSimpleName() + " " + value;
        }
        if (value instanceof PythonGlobal g) {
            return g.qualified();
        }
        if (value instanceof PickledObject p) {
            return p.className() + " object";
        }
        return value.getClass().getSimpleName();
    }

    /**
     * Checks a dict key or set member as Python would hash it, without recursion: lists and dicts inside it are
     * refused (Python cannot hash them, and Java would hash them recursively, overflowing the stack on a deep
     * or self-referencing one); tuples and frozensets may nest at most {@link #MAX_KEY_DEPTH} levels and hold
     * {@link #MAX_KEY_PARTS} parts, which bounds the cost of hashing the key (tuples become lists, hashed whole).
     *
     * @return the key itself
     * @throws Malformed when the key is unhashable or nests too deeply
     */
    static Object requireHashable(Object key) {
        return requireHashable(key, null);
    }

    /**
     * As {@link #requireHashable(Object)}, for a member about to be added to {@code into}, which it must not
     * contain (a set holding itself has no finite hash).
     */
    static Object requireHashable(Object key, Set<?> into) {
        long parts = 0;
        Deque<Object> work = new ArrayDeque<>();
        Deque<Integer> depths = new ArrayDeque<>();
        work.push(key);
        depths.push(0);
        while (!work.isEmpty()) {
            Object value = work.pop();
            int depth = depths.pop();
            if (value instanceof List<?> || value instanceof Map<?, ?>) {
                throw new Malformed("a dict key or set member " + (depth == 0 ? "is" : "holds") + " a "
                        + (value instanceof List<?> ? "list" : "dict") + ", which Python cannot hash");
            }
            if (into != null && value == into) {
                throw new Malformed("a set is added to itself");
            }
            Collection<?> children = value instanceof Object[] a ? Arrays.asList(a)
                    : value instanceof Set<?> set ? set : null;
            if (children == null) {
                continue;
            }
            if (depth >= MAX_KEY_DEPTH || (parts += children.size()) > MAX_KEY_PARTS) {
                throw new Malformed("a dict key or set member nests tuples or frozensets more than " + MAX_KEY_DEPTH
                        + " levels deep or holds more than " + MAX_KEY_PARTS + " parts (counting a shared part "
                        + "each time it occurs, as hashing does)");
            }
            for (Object child : children) {
                work.push(child);
                depths.push(depth + 1);
            }
        }
        return key;
    }

    /**
     * Replaces razorvine's tuple arrays with unmodifiable lists and unresolved globals with their names, in
     * place and without recursion (pickles may nest deeply or refer to themselves).
     */
    static Object toPlainData(Object root) {
        Map<Object, Object> tuples = new IdentityHashMap<>();
        Set<Object> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> work = new ArrayDeque<>();
        Object result = plainShallow(root, tuples, visited, work);
        while (!work.isEmpty()) {
            Object container = work.pop();
            if (container instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> m = (Map<Object, Object>) map;
                List<Map.Entry<Object, Object>> entries = new ArrayList<>(m.entrySet());
                m.clear();
                for (Map.Entry<Object, Object> e : entries) {
                    m.put(plainShallow(e.getKey(), tuples, visited, work),
                            plainShallow(e.getValue(), tuples, visited, work));
                }
            } else if (container instanceof List<?> list) {
                @SuppressWarnings("unchecked")
                List<Object> l = (List<Object>) list;
                for (int i = 0; i < l.size(); i++) {
                    l.set(i, plainShallow(l.get(i), tuples, visited, work));
                }
            } else if (container instanceof Set<?> set) {
                @SuppressWarnings("unchecked")
                Set<Object> s = (Set<Object>) set;
                List<Object> items = new ArrayList<>(s);
                s.clear();
                for (Object item : items) {
                    s.add(plainShallow(item, tuples, visited, work));
                }
            } else if (container instanceof PickledObject p) {
                work.push(p.mutableArgs());
                work.push(p.mutableListItems());
                work.push(p.mutableDictItems());
                p.setState(plainShallow(p.state(), tuples, visited, work));
            }
        }
        return result;
    }

    private static Object plainShallow(Object value, Map<Object, Object> tuples, Set<Object> visited,
            Deque<Object> work) {
        if (value instanceof Object[] array) {
            Object done = tuples.get(array);
            if (done == null) {
                List<Object> view = Arrays.asList(array);
                done = Collections.unmodifiableList(view);
                tuples.put(array, done);
                work.push(view);
            }
            return done;
        }
        if (value instanceof PythonGlobal g) {
            return g.qualified();
        }
        if (value instanceof KnownCallable k) {
            return k.qualifiedName;
        }
        if (value instanceof StorageType t) {
            return t.qualifiedName();
        }
        if (value instanceof TorchStorage s) {
            return s.asTensor();
        }
        if (value instanceof Map || value instanceof Collection || value instanceof PickledObject) {
            if (visited.add(value)) {
                work.push(value);
            }
        }
        return value;
    }
}
