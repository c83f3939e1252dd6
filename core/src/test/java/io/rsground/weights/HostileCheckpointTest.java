package io.rsground.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.InflaterInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints built to hurt the reader: zip and pickle bombs, deep and self-referencing containers. */
class HostileCheckpointTest {

    private static final long MB = 1 << 20;

    @TempDir
    Path tmp;

    // ---- zip and pickle bombs -----------------------------------------------------------------------------------

    @Test
    void storageInflatingToGigabytesIsRefusedBeforeInflating() throws IOException {
        byte[] bomb = RawZip.zeros(2000);
        assertThat(bomb.length).isLessThan(4 * (int) MB);
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").tensor("FloatStorage", "0", 500 * MB, 0, new long[] {4}, new long[] {1});
        p.setitems().stop();
        Path file = new RawZip().add(RawZip.Entry.stored("archive/data.pkl", p.bytes()))
                .add(new RawZip.Entry("archive/data/0", 8, bomb, 2000 * MB, 0)).write(tmp.resolve("bomb.pth"));

        long allocated = allocatedWhile(() -> assertThatThrownBy(() -> TorchCheckpoint.read(file))
                .isInstanceOf(WeightFileException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("entry 'archive/data/0'").hasMessageContaining("2097152000 bytes"));
        assertThat(allocated).as("bytes allocated while refusing").isLessThan(64 * MB);
    }

    @Test
    void pickleInflatingToGigabytesIsRefusedBeforeInflating() throws IOException {
        Path file = new RawZip().add(new RawZip.Entry("archive/data.pkl", 8, RawZip.zeros(1024), 1024 * MB, 0))
                .write(tmp.resolve("picklebomb.pth"));
        long allocated = allocatedWhile(() -> assertThatThrownBy(() -> TorchCheckpoint.read(file))
                .isInstanceOf(WeightFileException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("entry 'archive/data.pkl'").hasMessageContaining("compressed entry would "
                        + "inflate to 1073741824 bytes"));
        assertThat(allocated).as("bytes allocated while refusing").isLessThan(64 * MB);
    }

    @Test
    void entryDeclaringMoreThanDeflateCanReachIsForged() throws IOException {
        Path file = new RawZip().add(new RawZip.Entry("archive/data.pkl", 8, RawZip.zeros(1), 512 * MB, 0))
                .write(tmp.resolve("forged.pth"));
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("entry 'archive/data.pkl'")
                .hasMessageContaining("more than DEFLATE's 1032:1 allows");
    }

    @Test
    void entryInflatingPastItsDeclaredSizeIsStopped() throws IOException {
        byte[] payload = new byte[1 << 20];
        byte[] pickle = PickleWriter.protocol2().raw('B').raw(0, 0, 0x10, 0).raw(payload).stop().bytes();
        RawZip.Entry honest = RawZip.Entry.deflated("archive/data.pkl", pickle);
        RawZip.Entry lying = new RawZip.Entry(honest.name(), 8, honest.data(), 100, honest.crc());
        Path file = new RawZip().add(lying).write(tmp.resolve("lying.pth"));
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("entry inflates beyond the 100 bytes it declares");
    }

    @Test
    void storageLargerThanTheHeapIsRefusedWithoutAllocating() throws IOException {
        long numel = 1_000_000_000L;
        assumeThat(Runtime.getRuntime().maxMemory()).isLessThan(numel * Long.BYTES);
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").tensor("LongStorage", "0", numel, 0, new long[] {1}, new long[] {1});
        p.setitems().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("heap.pth"), p.bytes(), Map.of("0", new byte[8]), "little");
        long allocated = allocatedWhile(() -> assertThatThrownBy(() -> TorchCheckpoint.read(file))
                .isInstanceOf(WeightFileException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("entry 'archive/data/0'").hasMessageContaining("needs 7630 MB")
                .hasMessageContaining("-Xmx"));
        assertThat(allocated).as("bytes allocated while refusing").isLessThan(64 * MB);
    }

    @Test
    void compressedCheckpointWithinTheLimitsStillReads() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1});
        p.setitems().stop();
        Path file = new RawZip().add(RawZip.Entry.deflated("archive/data.pkl", p.bytes()))
                .add(RawZip.Entry.deflated("archive/data/0", PickleWriter.floats(ByteOrder.LITTLE_ENDIAN, 1f, 2f, 3f)))
                .write(tmp.resolve("deflated.pth"));
        assertThat(TorchCheckpoint.read(file).stateDict().get("w").floats()).containsExactly(1f, 2f, 3f);
    }

    @Test
    void repeatedBlocksInflateToZeros() throws IOException {
        byte[] inflated;
        try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(RawZip.zeros(2)),
                new Inflater(true))) {
            inflated = in.readAllBytes();
        }
        assertThat(inflated).hasSize(2 * (int) MB).containsOnly(0);
    }

    // ---- deep and self-referencing containers -------------------------------------------------------------------

    @Test
    void deepListAsDictKeyIsRefusedWithTheFileNamed() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict();
        for (int i = 0; i < 200_000; i++) {
            p.emptyList();
        }
        for (int i = 1; i < 200_000; i++) {
            p.raw('a');
        }
        p.none().setitem().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("deep.pth"), p.bytes(), Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("is a list, which Python cannot hash");
    }

    @Test
    void deepTupleAsDictKeyIsRefusedWithTheFileNamed() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().string("x");
        for (int i = 0; i < 200_000; i++) {
            p.tuple1();
        }
        p.none().setitem().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("deeptuple.pth"), p.bytes(), Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("more than 100 levels deep");
    }

    @Test
    void keySharingItsPartsExponentiallyIsRefused() throws IOException {
        // t = (t, t) sixty times: 2^60 parts once tuples become lists and are hashed
        PickleWriter p = PickleWriter.protocol2().emptyDict().string("x").raw('q', 0, '0');
        for (int i = 0; i < 60; i++) {
            p.raw('h', 0, 'h', 0, 0x86, 'q', 0, '0');
        }
        p.raw('h', 0).none().setitem().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("shared.pth"), p.bytes(), Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("more than 10000 parts");
    }

    @Test
    void selfReferencingListAsKeyOrSetMemberIsRefused() throws IOException {
        byte[] key = PickleWriter.protocol2().emptyDict().emptyList().raw('q', 0, 'h', 0, 'a').none().setitem()
                .stop().bytes();
        Path keyFile = PickleWriter.writeZip(tmp.resolve("selfkey.pth"), key, Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(keyFile)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(keyFile.toString()).hasMessageContaining("which Python cannot hash");

        byte[] set = PickleWriter.protocol2().raw(0x8f, 'q', 0).mark().raw('h', 0, 0x90).stop().bytes();
        Path setFile = PickleWriter.writeZip(tmp.resolve("selfset.pth"), set, Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(setFile)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(setFile.toString()).hasMessageContaining("a set is added to itself");
    }

    @Test
    void selfReferencingAndDeepValuesReadAsData() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().string("self").emptyList().raw('q', 0, 'h', 0, 'a')
                .setitem().string("deep");
        for (int i = 0; i < 200_000; i++) {
            p.emptyList();
        }
        for (int i = 1; i < 200_000; i++) {
            p.raw('a');
        }
        p.setitem().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("values.pth"), p.bytes(), Map.of(), "little");
        Map<?, ?> root = (Map<?, ?>) TorchCheckpoint.read(file).root();
        List<?> self = (List<?>) root.get("self");
        assertThat(self.get(0)).isSameAs(self);
        assertThatThrownBy(() -> TorchCheckpoint.read(file).stateDict()).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("no state dict found");
    }

    private static long allocatedWhile(Runnable action) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
