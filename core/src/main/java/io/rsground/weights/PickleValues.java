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
