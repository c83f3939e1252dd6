package io.rsground.weights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An instance of a Python class found in a checkpoint (for example {@code argparse.Namespace}), kept as inert
 * data: its class name, the arguments it was created with and the state the pickle assigned to it. Nothing of
 * the class is ever run. Values inside are plain Java data as described in {@link TorchCheckpoint#root()}.
 */
public final class PickledObject {

    private final String className;
    private final List<Object> args;
    private final Map<Object, Object> dictItems = new LinkedHashMap<>();
    private final List<Object> listItems = new ArrayList<>();
    private Object state;

    PickledObject(String className, List<Object> args) {
        this.className = className;
        this.args = new ArrayList<>(args);
    }

    /** @return the qualified Python class name, e.g. {@code "argparse.Namespace"} */
    public String className() {
        return className;
    }

    /** @return the arguments the object was created with (usually empty; unmodifiable) */
    public List<Object> args() {
        return Collections.unmodifiableList(args);
    }

    /** @return the raw state set by the pickle (usually the attribute map), or {@code null} if none was set */
    public Object state() {
        return state;
    }

    /**
     * @return the object's attributes: its state when that is a map, merged with the slot map when the state is
     *     a (dict, slots) pair; empty otherwise (unmodifiable)
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> attributes() {
        Map<String, Object> merged = new LinkedHashMap<>();
        if (state instanceof Map<?, ?> m) {
            putStringKeys(merged, m);
        } else if (state instanceof List<?> pair && pair.size() == 2) {
            for (Object part : pair) {
                if (part instanceof Map<?, ?> m) {
                    putStringKeys(merged, m);
                }
            }
        }
        return Collections.unmodifiableMap(merged);
    }

    /** @return items stored into the object as into a dict (for dict subclasses; unmodifiable) */
    public Map<Object, Object> dictItems() {
        return Collections.unmodifiableMap(dictItems);
    }

    /** @return items appended to the object as to a list (for list subclasses; unmodifiable) */
    public List<Object> listItems() {
        return Collections.unmodifiableList(listItems);
    }

    void setState(Object state) {
        this.state = state;
    }

    Map<Object, Object> mutableDictItems() {
        return dictItems;
    }

    List<Object> mutableListItems() {
        return listItems;
    }

    List<Object> mutableArgs() {
        return args;
    }

    private static void putStringKeys(Map<String, Object> into, Map<?, ?> from) {
        for (Map.Entry<?, ?> e : from.entrySet()) {
            into.put(String.valueOf(e.getKey()), e.getValue());
        }
    }

    @Override
    public String toString() {
        return className + (state == null ? "" : attributes().keySet().toString());
    }
}
