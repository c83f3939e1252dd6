package io.rsground.weights;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Unpickles the {@code data.pkl} of a {@code torch.save} zip into plain Java data, without running anything.
 *
 * <p>razorvine's {@link Unpickler} handles the primitive opcodes, the stack and the memo. This subclass takes
 * over every opcode that names or calls Python code or that razorvine handles unsafely for untrusted input:
 * <ul>
 * <li>GLOBAL, STACK_GLOBAL: resolved against this instance's own tables, never razorvine's JVM-wide
 * constructor registry (whose fallback turns any name, {@code os.system} included, silently into a dict).
 * Names from modules that can run code ({@code os}, {@code subprocess}, {@code builtins.eval}, ...) are
 * refused outright.</li>
 * <li>REDUCE, INST, OBJ (calls): only the allow-listed constructors a checkpoint needs run (tensor rebuild,
 * {@code OrderedDict}, ...); a few known value classes become {@link PickledObject}s; any other call is
 * refused.</li>
 * <li>NEWOBJ, BUILD (object creation without calling {@code __init__}, then setting attributes): become an
 * inert {@link PickledObject}.</li>
 * <li>dict opcodes: keep insertion order (razorvine uses HashMap); length-prefixed opcodes: never allocate
 * more than the bytes actually present.</li>
 * </ul>
 */
final class TorchUnpickler extends Unpickler {

    /** Module roots whose functions can run commands, load code or touch the system. */
    private static final Set<String> DENIED_MODULE_ROOTS = Set.of(
            "os", "posix", "nt", "subprocess", "_posixsubprocess", "sys", "shutil",
            "socket", "importlib", "imp", "zipimport", "pickle", "_pickle", "cPickle", "marshal", "shelve",
            "runpy", "code", "codeop", "pdb", "bdb", "timeit", "trace", "profile", "cProfile", "ctypes", "cffi",
            "multiprocessing", "concurrent", "threading", "_thread", "thread", "asyncio", "signal", "pty",
            "platform", "webbrowser", "commands", "popen2", "types", "inspect", "io", "_io", "tempfile",
            "urllib", "urllib2", "http", "httplib", "ftplib", "smtplib", "telnetlib", "requests", "pip",
            "setuptools", "distutils", "site", "pydoc", "sysconfig", "dill", "cloudpickle", "joblib");

    /** Single names that can run code or reach arbitrary attributes. */
    private static final Set<String> DENIED_NAMES = Set.of(
            "builtins.eval", "builtins.exec", "builtins.compile", "builtins.open", "builtins.getattr",
            "builtins.setattr", "builtins.delattr", "builtins.__import__", "builtins.globals", "builtins.locals",
            "builtins.vars", "builtins.input", "builtins.breakpoint", "builtins.exit", "builtins.quit",
            "builtins.help",
            "__builtin__.eval", "__builtin__.execfile", "__builtin__.compile", "__builtin__.open",
            "__builtin__.file", "__builtin__.getattr", "__builtin__.setattr", "__builtin__.delattr",
            "__builtin__.__import__", "__builtin__.globals", "__builtin__.locals", "__builtin__.vars",
            "__builtin__.input", "__builtin__.raw_input", "__builtin__.reload", "__builtin__.apply",
            "__builtin__.exit", "__builtin__.quit",
            "operator.attrgetter", "operator.methodcaller", "functools.partial", "functools.reduce",
            "numpy.load", "numpy.testing._private.utils.runstring", "torch.load", "torch.hub.load",
            "torch.jit.load", "torch.package.PackageImporter", "torch.storage._load_from_bytes");

    /** Classes and functions whose call result is kept as inert data ({@link PickledObject}). */
    private static final Set<String> INERT_CALLABLES = Set.of(
            "torch.device", "torch.Size", "numpy.dtype", "numpy.core.multiarray.scalar",
            "numpy._core.multiarray.scalar", "numpy.core.multiarray._reconstruct",
            "numpy._core.multiarray._reconstruct", "datetime.datetime", "datetime.date", "datetime.time",
            "datetime.timedelta", "decimal.Decimal", "pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath",
            "builtins.complex", "builtins.slice", "builtins.range", "__builtin__.complex");

    private static final int MAX_NUMBER_TEXT = 10_000;

    private final Path file;
    private final String prefix;
    private final ArchiveEntries entries;
    private final Map<String, TorchStorage> storages = new HashMap<>();
    private String pickleName;
    private CountingInputStream counted;

    TorchUnpickler(Path file, long fileSize, ZipFile zip, String prefix, ByteOrder byteOrder) {
        this.file = file;
        this.prefix = prefix;
        this.entries = new ArchiveEntries(file, fileSize, zip, byteOrder, Runtime.getRuntime().maxMemory());
    }

    /**
     * Unpickles one zip entry.
     *
     * @return plain data: Map (LinkedHashMap), List (tuples become unmodifiable lists), Set, HostTensor,
     *     Integer/Long/BigInteger, Double, Boolean, String, byte[], PickledObject, null; references to Python
     *     globals that are not called become their qualified name as a String
     */
    Object loadEntry(ZipEntry entry) throws IOException {
        pickleName = entry.getName();
        try (CountingInputStream in = new CountingInputStream(
                new BufferedInputStream(entries.open(entry), 1 << 16))) {
            counted = in;
            Object root = load(in);
            return PickleValues.toPlainData(root);
        } catch (Refusal r) {
            throw r.exception;
        } catch (PickleValues.Malformed e) {
            throw new WeightFileException(file, pickleLocation(), "malformed pickle: " + e.getMessage(), e);
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            throw wrap(e);
        } catch (RuntimeException e) {
            throw new WeightFileException(file, pickleLocation(),
                    "malformed pickle (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        } finally {
            close();
        }
    }

    private WeightFileException wrap(IOException e) {
        return new WeightFileException(file, pickleLocation(), "pickle data ends early or cannot be read ("
                + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }

    private String pickleLocation() {
        return "entry '" + pickleName + "' byte " + (counted == null ? 0 : counted.count);
    }

    @Override
    protected Object dispatch(short key) throws IOException {
        if (dispatchContainer(key) || dispatchGlobal(key) || dispatchCall(key) || dispatchPayload(key)) {
            return NO_RETURN_VALUE;
        }
        return super.dispatch(key);
    }

    /**
     * Runs a dict or list opcode, keeping dicts in insertion order.
     *
     * @return false, having done nothing, for any other opcode
     */
    private boolean dispatchContainer(short key) {
        switch (key) {
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                putPairs(map, stack.pop_all_since_marker());
                stack.add(map);
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object k = PickleValues.requireHashable(stack.pop());
                dictOf(stack.peek()).put(k, value);
            }
            case Opcodes.SETITEMS -> {
                List<Object> pairs = stack.pop_all_since_marker();
                putPairs(dictOf(stack.peek()), pairs);
            }
            case Opcodes.APPEND -> {
                Object value = stack.pop();
                listOf(stack.peek()).add(value);
            }
            case Opcodes.APPENDS -> {
                List<Object> values = stack.pop_all_since_marker();
                listOf(stack.peek()).addAll(values);
            }
            case Opcodes.ADDITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                Set<Object> set = setOf(stack.peek());
                for (Object item : items) {
                    set.add(PickleValues.requireHashable(item, set));
                }
            }
            case Opcodes.FROZENSET -> stack.add(new LinkedHashSet<>(hashable(stack.pop_all_since_marker())));
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs GLOBAL or STACK_GLOBAL, resolved against this reader's own tables.
     *
     * @return false, having done nothing, for any other opcode
     */
    private boolean dispatchGlobal(short key) throws IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolveGlobal(module, name));
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw malformed("STACK_GLOBAL expects two strings but found " + PickleValues.describe(module) + ", "
                            + PickleValues.describe(name));
                }
                stack.add(resolveGlobal(m, n));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs a call (allow-listed constructors only), an object creation or BUILD (inert objects: no
     * {@code __init__} or {@code __setstate__} runs).
     *
     * @return false, having done nothing, for any other opcode
     */
    private boolean dispatchCall(short key) throws IOException {
        switch (key) {
            case Opcodes.REDUCE -> {
                Object args = stack.pop();
                Object callee = stack.pop();
                stack.add(call(callee, tupleArgs(args, "REDUCE")));
            }
            case Opcodes.INST -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                List<Object> args = stack.pop_all_since_marker();
                stack.add(call(resolveGlobal(module, name), args.toArray()));
            }
            case Opcodes.OBJ -> {
                List<Object> items = stack.pop_all_since_marker();
                if (items.isEmpty()) {
                    throw malformed("OBJ without a class");
                }
                stack.add(call(items.get(0), items.subList(1, items.size()).toArray()));
            }
            case Opcodes.NEWOBJ -> {
                Object args = stack.pop();
                Object cls = stack.pop();
                stack.add(newObject(cls, tupleArgs(args, "NEWOBJ")));
            }
            case Opcodes.NEWOBJ_EX -> stack.add(newObjectEx());
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                build(stack.peek(), state);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Pops NEWOBJ_EX's class, arguments and keyword arguments; keywords, if any, become a last argument. */
    private Object newObjectEx() {
        Object kwargs = stack.pop();
        Object args = stack.pop();
        Object cls = stack.pop();
        Object[] positional = tupleArgs(args, "NEWOBJ_EX");
        if (kwargs instanceof Map<?, ?> m && !m.isEmpty()) {
            positional = Arrays.copyOf(positional, positional.length + 1);
            positional[positional.length - 1] = kwargs;
        }
        return newObject(cls, positional);
    }

    /**
     * Runs a persistent-id, length-prefixed or text-number opcode (reads bounded by the bytes present), or refuses
     * an opcode this reader does not support.
     *
     * @return false, having done nothing, for any other opcode
     */
    private boolean dispatchPayload(short key) throws IOException {
        switch (key) {
            case Opcodes.BINPERSID -> stack.add(persistentLoad(stack.pop()));
            case Opcodes.PERSID -> throw malformed("text persistent id '" + PickleUtils.readline(input)
                    + "'; torch.save writes tuples");
            case Opcodes.BINSTRING -> stack.add(PickleUtils.rawStringFromBytes(readCounted(readInt32(), "BINSTRING")));
            case Opcodes.BINBYTES -> stack.add(readCounted(readUInt32(), "BINBYTES"));
            case Opcodes.BINUNICODE -> stack.add(utf8(readCounted(readUInt32(), "BINUNICODE")));
            case Opcodes.BINUNICODE8 -> stack.add(utf8(readCounted(readInt64(), "BINUNICODE8")));
            case Opcodes.BINBYTES8 -> stack.add(readCounted(readInt64(), "BINBYTES8"));
            case Opcodes.BYTEARRAY8 -> stack.add(readCounted(readInt64(), "BYTEARRAY8"));
            case Opcodes.LONG4 -> stack.add(PickleUtils.decode_long(readCounted(readInt32(), "LONG4")));
            case Opcodes.LONG -> stack.add(longFromText(PickleUtils.readline(input)));
            case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 -> throw malformed(
                    "extension-registry opcode " + key + " (copyreg extension codes are not supported)");
            case Opcodes.NEXT_BUFFER, Opcodes.READONLY_BUFFER -> throw malformed(
                    "out-of-band buffer opcode " + key + " (pickle protocol 5 buffers are not supported)");
            default -> {
                return false;
            }
        }
        return true;
    }

    /** @return a LONG opcode's decimal text (Python 2 adds an 'L') as the smallest fitting number */
    private Object longFromText(String text) {
        if (text.length() > MAX_NUMBER_TEXT) {
            throw malformed("LONG literal of " + text.length() + " characters");
        }
        String digits = text.endsWith("L") ? text.substring(0, text.length() - 1) : text;
        return PickleUtils.optimizeBigint(new BigInteger(digits));
    }

    // ---- names and calls -------------------------------------------------------------------------------------

    private Object resolveGlobal(String module, String name) {
        String qualified = module + "." + name;
        String root = module.contains(".") ? module.substring(0, module.indexOf('.')) : module;
        if (DENIED_MODULE_ROOTS.contains(root) || DENIED_NAMES.contains(qualified)
                || isDeniedPrefix(qualified)) {
            throw refuse("refusing to call " + qualified + ": it can run commands, load code or touch files, and a "
                    + "weights file never needs it. The file is probably malicious; do not open it with torch.load "
                    + "either");
        }
        StorageType storage = StorageType.forGlobal(module, name);
        if (storage != null) {
            return storage;
        }
        KnownCallable known = KnownCallable.forName(qualified);
        return known != null ? known : new PickleValues.PythonGlobal(qualified);
    }

    private static boolean isDeniedPrefix(String qualified) {
        return qualified.startsWith("numpy.testing.") || qualified.startsWith("torch.hub.")
                || qualified.startsWith("torch._C.") || qualified.startsWith("torch.package.")
                || qualified.startsWith("torch.jit.") || qualified.startsWith("torch.ops.")
                || (qualified.startsWith("copyreg.") || qualified.startsWith("copy_reg."))
                        && !qualified.endsWith("._reconstructor");
    }

    private Object call(Object callee, Object[] args) {
        if (callee instanceof KnownCallable known) {
            return known.construct(args);
        }
        if (callee instanceof PickleValues.PythonGlobal global) {
            if (INERT_CALLABLES.contains(global.qualified())) {
                return new PickledObject(global.qualified(), Arrays.asList(args));
            }
            throw refuse("refusing to call " + global.qualified() + ": only the constructors a checkpoint of "
                    + "tensors needs are called (torch._utils._rebuild_tensor_v2, collections.OrderedDict, ...) "
                    + "and objects are rebuilt as inert data; an arbitrary call could run code in Python, so the "
                    + "file is either hostile or holds objects this reader does not support");
        }
        if (callee instanceof StorageType type) {
            throw refuse("refusing to call " + type.qualifiedName() + ": storages are only read through persistent ids");
        }
        throw malformed("a call needs a callable but found " + PickleValues.describe(callee));
    }

    private Object newObject(Object cls, Object[] args) {
        if (cls instanceof PickleValues.PythonGlobal global) {
            return new PickledObject(global.qualified(), Arrays.asList(args));
        }
        if (cls instanceof KnownCallable known && known.isClass()) {
            return known.construct(args);
        }
        throw malformed("NEWOBJ needs a class but found " + PickleValues.describe(cls));
    }

    private void build(Object target, Object state) {
        if (target instanceof PickledObject object) {
            object.setState(state);
        } else if (target instanceof Map<?, ?>) {
            // attributes of a dict subclass instance, e.g. the '_metadata' version table torch sets on a
            // state dict's OrderedDict: they are not items, and loading weights never needs them
            return;
        } else {
            throw malformed("BUILD sets state on an object but the target is " + PickleValues.describe(target));
        }
    }

    private static Object[] tupleArgs(Object args, String opcode) {
        if (args instanceof Object[] a) {
            return a;
        }
        throw new PickleValues.Malformed(opcode + " expects an argument tuple but found " + PickleValues.describe(args));
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dictOf(Object target) {
        if (target instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        if (target instanceof PickledObject p) {
            return p.mutableDictItems();
        }
        throw new PickleValues.Malformed("SETITEM(S) needs a dict but the target is " + PickleValues.describe(target));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> listOf(Object target) {
        if (target instanceof List<?> l) {
            return (List<Object>) l;
        }
        if (target instanceof PickledObject p) {
            return p.mutableListItems();
        }
        throw new PickleValues.Malformed("APPEND(S) needs a list but the target is " + PickleValues.describe(target));
    }

    @SuppressWarnings("unchecked")
    private static Set<Object> setOf(Object target) {
        if (target instanceof Set<?> s) {
            return (Set<Object>) s;
        }
        throw new PickleValues.Malformed("ADDITEMS needs a set but the target is " + PickleValues.describe(target));
    }

    private static List<Object> hashable(List<Object> items) {
        items.forEach(PickleValues::requireHashable);
        return items;
    }

    private static void putPairs(Map<Object, Object> map, List<Object> flat) {
        if (flat.size() % 2 != 0) {
            throw new PickleValues.Malformed("dict items come in key/value pairs but " + flat.size() + " values were marked");
        }
        for (int i = 0; i < flat.size(); i += 2) {
            map.put(PickleValues.requireHashable(flat.get(i)), flat.get(i + 1));
        }
    }

    // ---- storages ------------------------------------------------------------------------------------------

    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0])) {
            throw malformed("persistent id " + PickleValues.describe(pid)
                    + " is not a ('storage', type, key, location, numel) tuple");
        }
        if (!(t[1] instanceof StorageType type)) {
            throw refuse("storage type " + PickleValues.describe(t[1]) + " is not supported; supported: "
                    + StorageType.supportedNames());
        }
        if (!(t[2] instanceof String storageKey)) {
            throw malformed("storage key " + PickleValues.describe(t[2]) + " is not a string");
        }
        long numel = PickleValues.toLong(t[4], "storage numel");
        TorchStorage cached = storages.get(storageKey);
        if (cached != null) {
            if (cached.type() != type || cached.numel() != numel) {
                throw refuse("storage '" + storageKey + "' is used as " + cached.type().qualifiedName() + "["
                        + cached.numel() + "] and as " + type.qualifiedName() + "[" + numel + "]");
            }
            return cached;
        }
        try {
            TorchStorage storage = entries.readStorage(prefix + "data/" + storageKey, storageKey, type, numel);
            storages.put(storageKey, storage);
            return storage;
        } catch (WeightFileException e) {
            throw new Refusal(e);
        } catch (IOException e) {
            throw new Refusal(new WeightFileException(file, "entry '" + prefix + "data/" + storageKey + "'",
                    "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e));
        }
    }

    // ---- bounded primitive reads -----------------------------------------------------------------------------

    private long readInt32() throws IOException {
        return PickleUtils.bytes_to_integer(readCounted(4, "length"));
    }

    private long readUInt32() throws IOException {
        return PickleUtils.bytes_to_uint(readCounted(4, "length"), 0);
    }

    private long readInt64() throws IOException {
        return PickleUtils.bytes_to_long(readCounted(8, "length"), 0);
    }

    /** Reads a length-prefixed payload; memory grows only with the bytes that really arrive. */
    private byte[] readCounted(long length, String opcode) throws IOException {
        if (length < 0 || length > ElementReader.MAX_ELEMENTS) {
            throw malformed(opcode + " claims " + length + " bytes");
        }
        byte[] bytes = input.readNBytes((int) length);
        if (bytes.length != length) {
            throw new EOFException(opcode + " claims " + length + " bytes but only " + bytes.length + " remain");
        }
        return bytes;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private Refusal refuse(String message) {
        return new Refusal(new WeightFileException(file, pickleLocation(), message));
    }

    private Refusal malformed(String message) {
        return new Refusal(new WeightFileException(file, pickleLocation(), "malformed pickle: " + message));
    }

    /** Carries a finished {@link WeightFileException} through razorvine's unchecked call paths. */
    private static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient WeightFileException exception;

        Refusal(WeightFileException exception) {
            super(exception.getMessage(), null, false, false);
            this.exception = exception;
        }
    }

    /** Counts bytes read, for error positions. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }

}
