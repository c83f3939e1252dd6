package io.rsground.weights;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.IObjectConstructor;

/** The callables a checkpoint may invoke, each turned into plain Java data ({@link TorchUnpickler}). */
enum KnownCallable implements IObjectConstructor {
    ORDERED_DICT("collections.OrderedDict", true),
    DEFAULT_DICT("collections.defaultdict", true),
    REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2", false),
    REBUILD_TENSOR("torch._utils._rebuild_tensor", false),
    REBUILD_PARAMETER("torch._utils._rebuild_parameter", false),
    REBUILD_PARAMETER_WITH_STATE("torch._utils._rebuild_parameter_with_state", false),
    REBUILD_FROM_TYPE_V2("torch._tensor._rebuild_from_type_v2", false),
    RECONSTRUCTOR("copyreg._reconstructor", false),
    RECONSTRUCTOR_PY2("copy_reg._reconstructor", false),
    CODECS_ENCODE("_codecs.encode", false),
    SET("builtins.set", true),
    FROZENSET("builtins.frozenset", true),
    SET_PY2("__builtin__.set", true),
    FROZENSET_PY2("__builtin__.frozenset", true),
    BYTEARRAY("builtins.bytearray", true);

    final String qualifiedName;
    private final boolean isClass;

    KnownCallable(String qualifiedName, boolean isClass) {
        this.qualifiedName = qualifiedName;
        this.isClass = isClass;
    }

    static KnownCallable forName(String qualified) {
        for (KnownCallable k : values()) {
            if (k.qualifiedName.equals(qualified)) {
                return k;
            }
        }
        return null;
    }

    boolean isClass() {
        return isClass;
    }

    @Override
    public Object construct(Object[] args) {
        return switch (this) {
            case ORDERED_DICT -> dictFrom(args, 0);
            // the default factory is a Python callable: irrelevant to stored data
            case DEFAULT_DICT -> dictFrom(args, 1);
            case REBUILD_TENSOR_V2, REBUILD_TENSOR -> rebuildTensor(args);
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> parameterTensor(args);
            case REBUILD_FROM_TYPE_V2 -> rebuildFromType(args);
            case RECONSTRUCTOR, RECONSTRUCTOR_PY2 -> reconstruct(args);
            case CODECS_ENCODE -> encodeLatin1(args);
            case SET, FROZENSET, SET_PY2, FROZENSET_PY2 -> setFrom(args);
            case BYTEARRAY -> byteArray(args);
            default -> throw new IllegalStateException(name());
        };
    }

    /** @return a dict of the (key, value) pairs in {@code args[itemsAt]}, empty when there are none */
    private static Map<Object, Object> dictFrom(Object[] args, int itemsAt) {
        Map<Object, Object> map = new LinkedHashMap<>();
        if (args.length > itemsAt && args[itemsAt] != null) {
            putItemPairs(map, args[itemsAt]);
        }
        return map;
    }

    /** (storage, storage_offset, size, stride, ...): a view of the storage. */
    private HostTensor rebuildTensor(Object[] args) {
        requireArgs(args, 4);
        if (!(args[0] instanceof TorchStorage storage)) {
            throw new PickleValues.Malformed(qualifiedName + " expects a storage but got " + PickleValues.describe(args[0]));
        }
        return storage.view(PickleValues.toLong(args[1], "storage_offset"), PickleValues.toLongs(args[2], "size"),
                PickleValues.toLongs(args[3], "stride"));
    }

    /** (tensor, requires_grad, ...): the tensor itself. */
    private HostTensor parameterTensor(Object[] args) {
        requireArgs(args, 1);
        if (!(args[0] instanceof HostTensor tensor)) {
            throw new PickleValues.Malformed(qualifiedName + " expects a tensor but got " + PickleValues.describe(args[0]));
        }
        return tensor;
    }

    /** (func, new_type, args, state): rebuild with func; the tensor subclass is irrelevant here. */
    private Object rebuildFromType(Object[] args) {
        requireArgs(args, 3);
        if (!(args[0] instanceof KnownCallable func) || !(args[2] instanceof Object[] funcArgs)) {
            throw new PickleValues.Malformed(qualifiedName + " expects a known rebuild function and its argument "
                    + "tuple but got " + PickleValues.describe(args[0]) + ", " + PickleValues.describe(args[2]));
        }
        return func.construct(funcArgs);
    }

    /** (cls, base, state): protocol 0/1 way of creating a plain object before BUILD. */
    private Object reconstruct(Object[] args) {
        requireArgs(args, 2);
        if (args[0] instanceof PickleValues.PythonGlobal cls) {
            return new PickledObject(cls.qualified(), List.of());
        }
        if (args[0] instanceof KnownCallable k && k.isClass) {
            return k.construct(new Object[0]);
        }
        throw new PickleValues.Malformed(qualifiedName + " expects a class but got " + PickleValues.describe(args[0]));
    }

    /** Protocol 2 pickles Python 3 bytes as {@code _codecs.encode(text, 'latin1')}. */
    private byte[] encodeLatin1(Object[] args) {
        requireArgs(args, 1);
        if (!(args[0] instanceof String text)) {
            throw new PickleValues.Malformed(qualifiedName + " expects a string but got " + PickleValues.describe(args[0]));
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Set<Object> setFrom(Object[] args) {
        Set<Object> set = new LinkedHashSet<>();
        if (args.length > 0 && args[0] instanceof Collection<?> c) {
            c.forEach(item -> set.add(PickleValues.requireHashable(item)));
        } else if (args.length > 0 && args[0] instanceof Object[] a) {
            Arrays.stream(a).forEach(item -> set.add(PickleValues.requireHashable(item)));
        }
        return set;
    }

    private byte[] byteArray(Object[] args) {
        if (args.length == 0) {
            return new byte[0];
        }
        if (args[0] instanceof byte[] b) {
            return b.clone();
        }
        if (args[0] instanceof String text) {
            return text.getBytes(StandardCharsets.ISO_8859_1);
        }
        throw new PickleValues.Malformed(qualifiedName + " expects bytes but got " + PickleValues.describe(args[0]));
    }

    private void requireArgs(Object[] args, int n) {
        if (args.length < n) {
            throw new PickleValues.Malformed(qualifiedName + " expects at least " + n + " arguments but got " + args.length);
        }
    }

    private static void putItemPairs(Map<Object, Object> map, Object items) {
        Collection<?> pairs = items instanceof Collection<?> c ? c
                : items instanceof Object[] a ? Arrays.asList(a) : null;
        if (pairs == null) {
            throw new PickleValues.Malformed("dict items should be a sequence of pairs but are " + PickleValues.describe(items));
        }
        for (Object pair : pairs) {
            Object[] kv = pair instanceof Object[] a ? a : pair instanceof List<?> l ? l.toArray() : null;
            if (kv == null || kv.length != 2) {
                throw new PickleValues.Malformed("dict item should be a (key, value) pair but is " + PickleValues.describe(pair));
            }
            map.put(PickleValues.requireHashable(kv[0]), kv[1]);
        }
    }
}
