package io.rsground.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes zips byte by byte for tests, with whatever sizes an entry declares, so that forged and bomb archives
 * can be built without inflating them (the layout follows PKWARE's APPNOTE: local headers, central directory,
 * end record).
 */
final class RawZip {

    /** One entry: its name, method (0 stored, 8 deflated), the bytes as they lie in the file and what it declares. */
    record Entry(String name, int method, byte[] data, long declaredSize, long crc) {
        static Entry stored(String name, byte[] data) {
            CRC32 crc = new CRC32();
            crc.update(data);
            return new Entry(name, 0, data, data.length, crc.getValue());
        }

        static Entry deflated(String name, byte[] content) {
            CRC32 crc = new CRC32();
            crc.update(content);
            return new Entry(name, 8, deflate(content), content.length, crc.getValue());
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    RawZip add(Entry entry) {
        entries.add(entry);
        return this;
    }

    Path write(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> offsets = new ArrayList<>();
        for (Entry e : entries) {
            offsets.add(out.size());
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            out.writeBytes(le(30 + name.length).putInt(0x04034b50).putShort((short) 20).putShort((short) 0)
                    .putShort((short) e.method()).putInt(0).putInt((int) e.crc()).putInt(e.data().length)
                    .putInt((int) e.declaredSize()).putShort((short) name.length).putShort((short) 0).put(name)
                    .array());
            out.writeBytes(e.data());
        }
        int centralStart = out.size();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            out.writeBytes(le(46 + name.length).putInt(0x02014b50).putShort((short) 20).putShort((short) 20)
                    .putShort((short) 0).putShort((short) e.method()).putInt(0).putInt((int) e.crc())
                    .putInt(e.data().length).putInt((int) e.declaredSize()).putShort((short) name.length)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(offsets.get(i)).put(name).array());
        }
        int centralSize = out.size() - centralStart;
        out.writeBytes(le(22).putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) entries.size()).putShort((short) entries.size()).putInt(centralSize)
                .putInt(centralStart).putShort((short) 0).array());
        return Files.write(file, out.toByteArray());
    }

    /** Raw DEFLATE data of {@code content}. */
    static byte[] deflate(byte[] content) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        deflater.setInput(content);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    /**
     * Raw DEFLATE data that inflates to {@code mebibytes} MiB of zeros, made by repeating one fully flushed
     * block (it refers to nothing before it) instead of compressing gigabytes.
     */
    static byte[] zeros(int mebibytes) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        deflater.setInput(new byte[1 << 20]);
        byte[] buffer = new byte[1 << 16];
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        int n;
        while ((n = deflater.deflate(buffer, 0, buffer.length, Deflater.FULL_FLUSH)) > 0) {
            block.write(buffer, 0, n);
        }
        deflater.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < mebibytes; i++) {
            out.writeBytes(block.toByteArray());
        }
        out.write(0x03); // an empty final fixed-Huffman block
        out.write(0x00);
        return out.toByteArray();
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
