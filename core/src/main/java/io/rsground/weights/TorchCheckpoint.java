package io.rsground.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint written by {@code torch.save} (torch 1.6 or later: a zip holding {@code <prefix>/data.pkl},
 * the storages {@code <prefix>/data/<key>}, optionally {@code <prefix>/byteorder}), read in pure Java.
 *
 * <p>The pickle is read as data only: tensors are rebuilt from their storages (sizes, strides and offsets
 * honoured), Python objects such as {@code argparse.Namespace} become inert {@link PickledObject}s, and a pickle
 * that names a dangerous function ({@code os.system}, {@code builtins.eval}, ...) or asks to call anything
 * other than the few constructors a checkpoint needs is refused with a {@link WeightFileException}. Nothing
 * from the file is ever executed.
 *
 * <p>Tensors that view the whole of one storage share its array: the aliases a state dict lists twice cost
 * memory once. Treat tensor values as read-only.
 */
public final class TorchCheckpoint {

    /** Keys under which {@link #stateDict(String...)} looks for the state dict when given none. */
    public static final List<String> DEFAULT_STATE_DICT_KEYS =
            List.of("model", "state_dict", "model_state_dict", "module", "net");

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final byte[] EMPTY_ZIP_MAGIC = {'P', 'K', 5, 6};
    /** torch's legacy magic number 0x1950a86a20f9469cfc6c as a pickled LONG1, little-endian. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
        (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private final Path file;
    private final Object root;

    private TorchCheckpoint(Path file, Object root) {
        this.file = file;
        this.root = root;
    }

    /**
     * Reads a checkpoint.
     *
     * @param file a {@code .pth}/{@code .pt}/{@code .bin} file written by {@code torch.save} (zip format)
     * @return the checkpoint with every tensor in memory
     * @throws WeightFileException when the file is not a readable torch.save zip, is truncated or inconsistent,
     *     uses the legacy pre-1.6 format, or its pickle asks for something refused or unsupported
     * @throws IOException when the file cannot be read
     */
    public static TorchCheckpoint read(Path file) throws IOException {
        long size = Files.size(file);
        checkSignature(file, size);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pickle = findPickle(file, zip);
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            ByteOrder order = byteOrder(file, zip, prefix);
            Object root = new TorchUnpickler(file, size, zip, prefix, order).loadEntry(pickle);
            return new TorchCheckpoint(file, root);
        } catch (ZipException e) {
            throw new WeightFileException(file, null, "not a readable zip archive (truncated or corrupt?): "
                    + e.getMessage(), e);
        }
    }

    /** @return the file this checkpoint was read from */
    public Path file() {
        return file;
    }

    /**
     * @return the unpickled object: plain Java data made of Map (insertion-ordered), List (tuples are
     *     unmodifiable lists), Set, {@link HostTensor}, Integer/Long/BigInteger, Double, Boolean, String,
     *     byte[], {@link PickledObject} and null; a Python class or function referenced but not called appears
     *     as its qualified name (a String)
     */
    public Object root() {
        return root;
    }

    /**
     * Finds the state dict: the root itself when it maps names to tensors, else the first of
     * {@code root[key]} for the given keys (default {@link #DEFAULT_STATE_DICT_KEYS}) that does.
     *
     * @param keysToTry root keys to try, in order; none means the defaults
     * @return tensors by name in file order (a new map; the tensors are not copied)
     * @throws WeightFileException when none of the candidates maps strings to tensors
     */
    public LinkedHashMap<String, HostTensor> stateDict(String... keysToTry) throws WeightFileException {
        List<String> keys = keysToTry.length == 0 ? DEFAULT_STATE_DICT_KEYS : Arrays.asList(keysToTry);
        Map<String, HostTensor> found = asStateDict(root);
        if (found == null && root instanceof Map<?, ?> map) {
            for (String key : keys) {
                found = asStateDict(map.get(key));
                if (found != null) {
                    break;
                }
            }
        }
        if (found == null) {
            throw new WeightFileException(file, null, "no state dict found: expected the root or root" + keys
                    + " to map names to tensors, but the root is " + describeRoot());
        }
        return new LinkedHashMap<>(found);
    }

    /**
     * @return the root's entries other than the state dict found with the default keys (e.g. epoch, args,
     *     val_accu), in file order; empty when the root is the state dict or not a dict (unmodifiable)
     */
    public Map<String, Object> extras() {
        if (!(root instanceof Map<?, ?> map) || asStateDict(root) != null) {
            return Map.of();
        }
        Object stateDictKey = DEFAULT_STATE_DICT_KEYS.stream().filter(k -> asStateDict(map.get(k)) != null)
                .findFirst().orElse(null);
        Map<String, Object> extras = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!e.getKey().equals(stateDictKey)) {
                extras.put(String.valueOf(e.getKey()), e.getValue());
            }
        }
        return Collections.unmodifiableMap(extras);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, HostTensor> asStateDict(Object candidate) {
        if (!(candidate instanceof Map<?, ?> map)) {
            return null;
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String) || !(e.getValue() instanceof HostTensor)) {
                return null;
            }
        }
        return (Map<String, HostTensor>) map;
    }

    private String describeRoot() {
        if (root instanceof Map<?, ?> map) {
            return "a dict with " + map.entrySet().stream().limit(20)
                    .map(e -> e.getKey() + ": " + PickleValues.describe(e.getValue()))
                    .collect(Collectors.joining(", ", "{", map.size() > 20 ? ", ...}" : "}"));
        }
        return PickleValues.describe(root);
    }

    private static void checkSignature(Path file, long size) throws IOException {
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n < 4) {
            throw new WeightFileException(file, null, "file has " + size
                    + " bytes; a torch.save zip is at least 22");
        }
        if (startsWith(head, ZIP_MAGIC) || startsWith(head, EMPTY_ZIP_MAGIC)) {
            return;
        }
        if ((head[0] & 0xff) == 0x80 && n >= 2 + LEGACY_MAGIC.length
                && Arrays.equals(head, 2, 2 + LEGACY_MAGIC.length, LEGACY_MAGIC, 0, LEGACY_MAGIC.length)) {
            throw new WeightFileException(file, null, "legacy (pre-1.6) torch.save format; re-save it with "
                    + "torch>=1.6 (torch.save(torch.load(path), path)) to read it here");
        }
        String hint = n > 8 && head[8] == '{' ? " (it looks like safetensors: use SafeTensors.read)" : "";
        throw new WeightFileException(file, null, "not a torch.save zip: expected the zip signature 50 4b 03 04 "
                + "but the file starts with " + HexFormat.ofDelimiter(" ").formatHex(head, 0, Math.min(n, 8)) + hint);
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static ZipEntry findPickle(Path file, ZipFile zip) throws WeightFileException {
        List<ZipEntry> candidates = zip.stream()
                .filter(e -> e.getName().equals("data.pkl")
                        || e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - 9)
                .collect(Collectors.toList());
        if (candidates.isEmpty()) {
            throw new WeightFileException(file, null, "zip has no <prefix>/data.pkl entry, so it was not written "
                    + "by torch.save; entries: " + zip.stream().limit(10).map(ZipEntry::getName)
                    .collect(Collectors.joining(", ")));
        }
        if (candidates.size() > 1) {
            throw new WeightFileException(file, null, "zip holds several pickles, expected one: "
                    + candidates.stream().map(ZipEntry::getName).collect(Collectors.joining(", ")));
        }
        return candidates.get(0);
    }

    private static ByteOrder byteOrder(Path file, ZipFile zip, String prefix) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return ByteOrder.LITTLE_ENDIAN; // written only since torch 1.13-ish; older files are little-endian
        }
        String text;
        try (InputStream in = zip.getInputStream(entry)) {
            text = new String(in.readNBytes(16), StandardCharsets.US_ASCII).trim();
        }
        return switch (text) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new WeightFileException(file, "entry '" + entry.getName() + "'",
                    "expected 'little' or 'big' but found '" + text + "'");
        };
    }
}
