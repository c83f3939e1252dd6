package io.rsground.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes pickle protocol 2 opcodes by hand, and torch.save-style zips around them, for tests. Opcode bytes
 * follow Python's pickletools documentation.
 */
final class PickleWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleWriter protocol2() {
        PickleWriter w = new PickleWriter();
        w.raw(0x80, 2);
        return w;
    }

    PickleWriter raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    PickleWriter mark() {
        return raw('(');
    }

    PickleWriter stop() {
        return raw('.');
    }

    PickleWriter emptyDict() {
        return raw('}');
    }

    PickleWriter emptyTuple() {
        return raw(')');
    }

    PickleWriter emptyList() {
        return raw(']');
    }

    PickleWriter tuple() {
        return raw('t');
    }

    PickleWriter tuple1() {
        return raw(0x85);
    }

    PickleWriter setitem() {
        return raw('s');
    }

    PickleWriter setitems() {
        return raw('u');
    }

    PickleWriter appends() {
        return raw('e');
    }

    PickleWriter reduce() {
        return raw('R');
    }

    PickleWriter newobj() {
        return raw(0x81);
    }

    PickleWriter build() {
        return raw('b');
    }

    PickleWriter binpersid() {
        return raw('Q');
    }

    PickleWriter newFalse() {
        return raw(0x89);
    }

    PickleWriter none() {
        return raw('N');
    }

    PickleWriter global(String module, String name) {
        return raw('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** BININT: 4-byte little-endian signed int. */
    PickleWriter integer(int value) {
        return raw('J').raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    PickleWriter binfloat(double value) {
        return raw('G').raw(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(value).array());
    }

    /** BINUNICODE: 4-byte little-endian length, UTF-8 bytes. */
    PickleWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return raw('X').raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array()).raw(b);
    }

    PickleWriter intTuple(long... values) {
        mark();
        for (long v : values) {
            integer(Math.toIntExact(v));
        }
        return tuple();
    }

    /**
     * A tensor exactly as torch.save pickles it: {@code _rebuild_tensor_v2((storage pid), offset, size, stride,
     * False, OrderedDict())}.
     */
    PickleWriter tensor(String storageType, String key, long storageNumel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().string("storage").global("torch", storageType).string(key).string("cpu")
                .integer(Math.toIntExact(storageNumel)).tuple().binpersid();
        integer(Math.toIntExact(offset));
        intTuple(size);
        intTuple(stride);
        newFalse();
        global("collections", "OrderedDict").emptyTuple().reduce();
        tuple();
        return reduce();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Float32 values as little-endian bytes. */
    static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Writes a torch.save-like zip: {@code archive/data.pkl}, {@code archive/data/<key>}, byteorder, version. */
    static Path writeZip(Path file, byte[] pickle, Map<String, byte[]> storages, String byteorder) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        if (byteorder != null) {
            entries.put("archive/byteorder", byteorder.getBytes(StandardCharsets.US_ASCII));
        }
        storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(e.getValue().length);
                entry.setCompressedSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }
}
