package io.rsground.weights;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Opens the entries of a {@code torch.save} zip within what the file can honestly hold: every declared size is
 * checked before a byte is inflated or an array allocated, so a zip bomb (an entry inflating to gigabytes) or a
 * pickle claiming a storage larger than the heap is refused at once with the file and entry named.
 *
 * <p>Limits: a stored entry lies inside the file; a compressed entry declares at most
 * {@link #MAX_DEFLATE_RATIO} times its compressed size (the most DEFLATE can reach) and at most
 * {@link #MAX_INFLATED_BYTES} (torch.save stores entries uncompressed; only a zip rewritten by hand compresses
 * them), and never yields more than it declares; the storages read from one file fit together in the
 * heap budget.
 */
final class ArchiveEntries {

    /** DEFLATE turns at most 2 bits into one 258-byte match: no honest entry inflates further. */
    static final long MAX_DEFLATE_RATIO = 1032;
    /** Most bytes one compressed entry may inflate to; larger than any single tensor of a CLIP ViT-L. */
    static final long MAX_INFLATED_BYTES = 512L << 20;

    private final Path file;
    private final long fileSize;
    private final ZipFile zip;
    private final ByteOrder byteOrder;
    private final long heapBudget;
    private final ElementReader elementReader = new ElementReader();
    private long allocated;

    /**
     * @param heapBudget bytes the storages of this file may take together (the JVM's maximum heap)
     */
    ArchiveEntries(Path file, long fileSize, ZipFile zip, ByteOrder byteOrder, long heapBudget) {
        this.file = file;
        this.fileSize = fileSize;
        this.zip = zip;
        this.byteOrder = byteOrder;
        this.heapBudget = heapBudget;
    }

    /**
     * Opens an entry after checking its declared sizes.
     *
     * @return its bytes; reading past the declared size fails with a {@link WeightFileException}
     * @throws WeightFileException when the declared sizes are impossible or over the limits
     */
    InputStream open(ZipEntry entry) throws IOException {
        checkDeclaredSizes(entry);
        return new DeclaredSizeStream(zip.getInputStream(entry), entry);
    }

    private void checkDeclaredSizes(ZipEntry entry) throws WeightFileException {
        String where = where(entry);
        long size = entry.getSize();
        long compressed = entry.getCompressedSize();
        if (size < 0 || compressed < 0) {
            throw new WeightFileException(file, where, "the zip does not declare the entry's size");
        }
        if (compressed > fileSize) {
            throw new WeightFileException(file, where, "entry claims " + compressed + " bytes but the file has "
                    + fileSize);
        }
        if (entry.getMethod() == ZipEntry.STORED) {
            return;
        }
        if (size > compressed * MAX_DEFLATE_RATIO + 64) {
            throw new WeightFileException(file, where, "entry declares " + size + " bytes from " + compressed
                    + " compressed, more than DEFLATE's " + MAX_DEFLATE_RATIO + ":1 allows: the zip is forged");
        }
        if (size > MAX_INFLATED_BYTES) {
            throw new WeightFileException(file, where, "compressed entry would inflate to " + size + " bytes from "
                    + compressed + "; at most " + MAX_INFLATED_BYTES + " bytes are inflated per entry (torch.save "
                    + "stores entries uncompressed: re-save the file with torch.save, or the file is a zip bomb)");
        }
    }

    /**
     * Reads the storage {@code <prefix>data/<key>} of {@code numel} elements of {@code type}.
     *
     * @return the storage, float[] for floating types and long[] otherwise
     * @throws WeightFileException when the entry is missing, its size differs from {@code numel} elements, or
     *     the storages read so far and this one would not fit in the heap budget
     */
    TorchStorage readStorage(String name, String storageKey, StorageType type, long numel) throws IOException {
        String where = "entry '" + name + "'";
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new WeightFileException(file, where, "missing: the pickle refers to storage '" + storageKey
                    + "' but the archive has no such entry");
        }
        Dtype dtype = type.dtype();
        if (numel < 0 || numel > ElementReader.MAX_ELEMENTS) {
            throw new WeightFileException(file, where, "storage claims " + numel + " elements; expected 0.."
                    + ElementReader.MAX_ELEMENTS + " (the most a Java array holds)");
        }
        long arrayBytes = numel * (dtype.isFloatingPoint() ? Float.BYTES : Long.BYTES);
        if (allocated + arrayBytes > heapBudget) {
            throw new WeightFileException(file, where, "storage of " + numel + " x " + type.qualifiedName()
                    + " needs " + megabytes(arrayBytes) + " MB, with the storages before it " + megabytes(allocated
                    + arrayBytes) + " MB, but the Java heap holds at most " + megabytes(heapBudget) + " MB (raise "
                    + "it with -Xmx, e.g. RSGROUND_JAVA_OPTS=-Xmx8g, if the file is genuine)");
        }
        long expected = numel * dtype.byteSize();
        if (entry.getSize() != expected) {
            throw new WeightFileException(file, where, "expected " + expected + " bytes (" + numel + " x "
                    + type.qualifiedName() + ") but the entry holds " + entry.getSize());
        }
        Object values;
        try (InputStream in = open(entry); ReadableByteChannel channel = Channels.newChannel(in)) {
            values = elementReader.read(channel, dtype, byteOrder, (int) numel);
        } catch (EOFException e) {
            throw new WeightFileException(file, where, "entry ends early: " + e.getMessage(), e);
        }
        allocated += arrayBytes;
        return new TorchStorage(name, type, values);
    }

    private static long megabytes(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    private static String where(ZipEntry entry) {
        return "entry '" + entry.getName() + "'";
    }

    /** Fails once an entry yields more bytes than it declares, so a lying header cannot inflate on and on. */
    private final class DeclaredSizeStream extends FilterInputStream {
        private final ZipEntry entry;
        private long count;

        DeclaredSizeStream(InputStream in, ZipEntry entry) {
            super(in);
            this.entry = entry;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            counted(skipped);
            return skipped;
        }

        private void counted(long n) throws WeightFileException {
            count += n;
            if (count > entry.getSize()) {
                throw new WeightFileException(file, where(entry), "entry inflates beyond the " + entry.getSize()
                        + " bytes it declares: the zip is forged");
            }
        }
    }
}
