package io.rsground.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchCheckpointTest {

    private static TorchCheckpoint checkpoint;
    private static LinkedHashMap<String, HostTensor> reference;

    @TempDir
    Path tmp;

    @BeforeAll
    static void readFixture() throws IOException {
        Path file = Fixtures.tiny("checkpoint.pth");
        long start = System.nanoTime();
        checkpoint = TorchCheckpoint.read(file);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("TorchCheckpoint.read(checkpoint.pth, %.1f MB): %d ms (first read in this JVM)%n",
                Files.size(file) / 1e6, millis);
        reference = SafeTensors.read(Fixtures.tiny("weights.safetensors"));
    }

    // ---- the reference trainer's checkpoint -------------------------------------------------------------------

    @Test
    void everyTensorEqualsTheSafetensorsExport() throws IOException {
        Map<String, HostTensor> state = checkpoint.stateDict();
        Map<String, String> aliases = aliases();
        assertThat(state).hasSize(reference.size() + aliases.size());
        for (Map.Entry<String, HostTensor> e : reference.entrySet()) {
            assertThat(state.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void everyAliasEqualsItsCanonicalTensorAndSharesItsMemory() throws IOException {
        Map<String, HostTensor> state = checkpoint.stateDict();
        Map<String, String> aliases = aliases();
        assertThat(aliases).hasSizeGreaterThan(100);
        for (Map.Entry<String, String> a : aliases.entrySet()) {
            HostTensor alias = state.get(a.getKey());
            HostTensor canonical = state.get(a.getValue());
            assertThat(alias).as(a.getKey()).isNotNull().isEqualTo(canonical);
            // both view the same whole storage: one array, loaded once
            assertThat(alias.floats()).as(a.getKey()).isSameAs(canonical.floats());
        }
    }

    @Test
    void stateDictKeepsFileOrder() throws IOException {
        // the safetensors export lists the same state dict without aliases, in the same order; razorvine's
        // own dict handling (HashMap) would scramble it
        List<String> withoutAliases = new ArrayList<>(checkpoint.stateDict().keySet());
        withoutAliases.removeAll(aliases().keySet());
        assertThat(withoutAliases).containsExactlyElementsOf(reference.keySet());
        assertThat(new ArrayList<Object>(((Map<?, ?>) checkpoint.root()).keySet())).containsExactly("model", "epoch", "args", "val_accu");
    }

    @Test
    void extrasHoldEpochArgsAndAccuracyAsData() {
        Map<String, Object> extras = checkpoint.extras();
        assertThat(extras).containsOnlyKeys("epoch", "args", "val_accu");
        assertThat(extras.get("epoch")).isEqualTo(3);
        assertThat(extras.get("val_accu")).isEqualTo(0.5);
        assertThat(extras.get("args")).isInstanceOf(PickledObject.class);
        PickledObject args = (PickledObject) extras.get("args");
        assertThat(args.className()).isEqualTo("argparse.Namespace");
        assertThat(args.attributes()).containsEntry("model", "ViT-B/16").containsEntry("imsize", 224)
                .containsEntry("vl_hidden_dim", 64).containsEntry("lr", 0.0001);
    }

    @Test
    void stateDictUnderExplicitKeyAndMissingKeyMessage() throws IOException {
        assertThat(checkpoint.stateDict("model")).isEqualTo(checkpoint.stateDict());
        assertThatThrownBy(() -> checkpoint.stateDict("weights", "params"))
                .isInstanceOf(WeightFileException.class)
                .hasMessageContaining("no state dict found")
                .hasMessageContaining("[weights, params]")
                .hasMessageContaining("epoch: Integer 3");
    }

    private static Map<String, String> aliases() throws IOException {
        JsonNode json = new ObjectMapper().readTree(Fixtures.tiny("aliases.json").toFile());
        Map<String, String> out = new LinkedHashMap<>();
        json.get("aliases").properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    // ---- hand-made archives: views, dtypes, byte order --------------------------------------------------------

    @Test
    void viewsHonourOffsetSizesAndStrides() throws IOException {
        float[] storage = new float[12];
        for (int i = 0; i < 12; i++) {
            storage[i] = i;
        }
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("full").tensor("FloatStorage", "0", 12, 0, new long[] {3, 4}, new long[] {4, 1});
        p.string("transposed").tensor("FloatStorage", "0", 12, 0, new long[] {4, 3}, new long[] {1, 4});
        p.string("offset").tensor("FloatStorage", "0", 12, 5, new long[] {2, 2}, new long[] {4, 1});
        p.string("strided").tensor("FloatStorage", "0", 12, 1, new long[] {3, 2}, new long[] {4, 2});
        p.string("expanded").tensor("FloatStorage", "0", 12, 0, new long[] {2, 3}, new long[] {0, 1});
        p.string("row").tensor("FloatStorage", "0", 12, 8, new long[] {4}, new long[] {1});
        p.string("scalar").tensor("FloatStorage", "0", 12, 7, new long[] {}, new long[] {});
        p.string("empty").tensor("FloatStorage", "0", 12, 99, new long[] {0, 3}, new long[] {3, 1});
        p.setitems().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("views.pth"), p.bytes(),
                Map.of("0", PickleWriter.floats(ByteOrder.LITTLE_ENDIAN, storage)), "little");

        Map<String, HostTensor> t = TorchCheckpoint.read(file).stateDict();
        assertThat(t.get("full").floats()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(t.get("transposed").shape()).containsExactly(4, 3);
        assertThat(t.get("transposed").floats()).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        assertThat(t.get("offset").floats()).containsExactly(5, 6, 9, 10);
        assertThat(t.get("strided").floats()).containsExactly(1, 3, 5, 7, 9, 11);
        assertThat(t.get("expanded").floats()).containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(t.get("row").floats()).containsExactly(8, 9, 10, 11);
        assertThat(t.get("scalar").shape()).isEmpty();
        assertThat(t.get("scalar").floats()).containsExactly(7);
        assertThat(t.get("empty").shape()).containsExactly(0, 3);
        assertThat(t.get("empty").floats()).isEmpty();
        // only the whole-storage view shares the storage array
        assertThat(t.get("offset").floats()).isNotSameAs(t.get("full").floats());
    }

    @Test
    void everyStorageTypeDecodes() throws IOException {
        ByteBuffer half = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x0001);
        ByteBuffer bf16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3F80).putShort((short) 0xC020);
        ByteBuffer dbl = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-3);
        ByteBuffer lng = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MIN_VALUE).putLong(5);
        ByteBuffer itg = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-9).putInt(Integer.MAX_VALUE);
        ByteBuffer sht = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -2).putShort((short) 3);
        byte[] chr = {-128, 127};
        byte[] byt = {(byte) 255, 0};
        byte[] bool = {1, 0, 1};
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("half").tensor("HalfStorage", "h", 3, 0, new long[] {3}, new long[] {1});
        p.string("bf16").tensor("BFloat16Storage", "b", 2, 0, new long[] {2}, new long[] {1});
        p.string("double").tensor("DoubleStorage", "d", 2, 0, new long[] {2}, new long[] {1});
        p.string("long").tensor("LongStorage", "l", 2, 0, new long[] {2}, new long[] {1});
        p.string("int").tensor("IntStorage", "i", 2, 0, new long[] {2}, new long[] {1});
        p.string("short").tensor("ShortStorage", "s", 2, 0, new long[] {2}, new long[] {1});
        p.string("char").tensor("CharStorage", "c", 2, 0, new long[] {2}, new long[] {1});
        p.string("byte").tensor("ByteStorage", "u", 2, 0, new long[] {2}, new long[] {1});
        p.string("bool").tensor("BoolStorage", "o", 3, 0, new long[] {3}, new long[] {1});
        p.setitems().stop();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        storages.put("h", half.array());
        storages.put("b", bf16.array());
        storages.put("d", dbl.array());
        storages.put("l", lng.array());
        storages.put("i", itg.array());
        storages.put("s", sht.array());
        storages.put("c", chr);
        storages.put("u", byt);
        storages.put("o", bool);
        Path file = PickleWriter.writeZip(tmp.resolve("dtypes.pth"), p.bytes(), storages, null);

        Map<String, HostTensor> t = TorchCheckpoint.read(file).stateDict();
        assertThat(t.get("half").floats()).containsExactly(1f, -2.5f, 0x1p-24f);
        assertThat(t.get("bf16").floats()).containsExactly(1f, -2.5f);
        assertThat(t.get("double").floats()).containsExactly(0.1f, -3f);
        assertThat(t.get("long").longs()).containsExactly(Long.MIN_VALUE, 5);
        assertThat(t.get("int").longs()).containsExactly(-9, Integer.MAX_VALUE);
        assertThat(t.get("short").longs()).containsExactly(-2, 3);
        assertThat(t.get("char").longs()).containsExactly(-128, 127);
        assertThat(t.get("byte").longs()).containsExactly(255, 0);
        assertThat(t.get("bool").longs()).containsExactly(1, 0, 1);
    }

    @Test
    void bigEndianArchivesDecode() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1});
        p.setitems().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("big.pth"), p.bytes(),
                Map.of("0", PickleWriter.floats(ByteOrder.BIG_ENDIAN, 1.5f, -2f, 1e-3f)), "big");
        assertThat(TorchCheckpoint.read(file).stateDict().get("w").floats()).containsExactly(1.5f, -2f, 1e-3f);
    }

    @Test
    void parametersAndPlainObjectsBecomeData() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("state_dict").emptyDict().mark();
        // nn.Parameter: _rebuild_parameter(tensor, requires_grad, hooks)
        p.string("p").global("torch._utils", "_rebuild_parameter").mark();
        p.tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1});
        p.newFalse().global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce();
        p.setitems();
        // a user class created with NEWOBJ + BUILD, as protocol 2 pickles plain objects
        p.string("config").global("mypkg.settings", "Config").emptyTuple().newobj();
        p.emptyDict().string("depth").integer(12).setitem().string("tags").mark().string("a").string("b").tuple()
                .setitem().build();
        p.string("nothing").none();
        p.setitems().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("objects.pth"), p.bytes(),
                Map.of("0", PickleWriter.floats(ByteOrder.LITTLE_ENDIAN, 4f, 5f)), "little");

        TorchCheckpoint ckpt = TorchCheckpoint.read(file);
        assertThat(ckpt.stateDict().get("p").floats()).containsExactly(4f, 5f);
        PickledObject config = (PickledObject) ckpt.extras().get("config");
        assertThat(config.className()).isEqualTo("mypkg.settings.Config");
        assertThat(config.attributes()).containsEntry("depth", 12).containsEntry("tags", List.of("a", "b"));
        assertThat(ckpt.extras()).containsEntry("nothing", null);
    }

    // ---- refused and broken input ------------------------------------------------------------------------------

    @Test
    void refusesToCallOsSystem() throws IOException {
        byte[] pickle = PickleWriter.protocol2().global("os", "system").string("touch /tmp/pwned").tuple1()
                .reduce().stop().bytes();
        Path file = PickleWriter.writeZip(tmp.resolve("evil.pth"), pickle, Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("refusing to call os.system");
    }

    @Test
    void refusesOtherDangerousGlobalsEvenWithoutACall() throws IOException {
        String[][] names = {{"posix", "system"}, {"builtins", "eval"}, {"builtins", "getattr"},
            {"subprocess", "Popen"}, {"__builtin__", "__import__"}, {"importlib", "import_module"},
            {"operator", "attrgetter"}, {"numpy.testing._private.utils", "runstring"}};
        for (String[] n : names) {
            // NEWOBJ is how a pickle might try to slip a class in as "data"
            byte[] pickle = PickleWriter.protocol2().global(n[0], n[1]).emptyTuple().newobj().stop().bytes();
            Path file = PickleWriter.writeZip(tmp.resolve(n[1] + ".pth"), pickle, Map.of(), "little");
            assertThatThrownBy(() -> TorchCheckpoint.read(file)).as(n[0] + "." + n[1])
                    .isInstanceOf(WeightFileException.class)
                    .hasMessageContaining("refusing to call " + n[0] + "." + n[1]);
        }
    }

    @Test
    void refusesToCallAnUnknownCallable() throws IOException {
        byte[] pickle = PickleWriter.protocol2().global("mypkg.tools", "do_something").string("x").tuple1()
                .reduce().stop().bytes();
        Path file = PickleWriter.writeZip(tmp.resolve("unknown.pth"), pickle, Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("refusing to call mypkg.tools.do_something")
                .hasMessageContaining("byte ");
    }

    @Test
    void truncatedCheckpointFailsCleanlyAtEveryCut() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.tiny("checkpoint.pth"));
        for (int cut : new int[] {0, 3, 30, 4096, whole.length / 3, whole.length / 2, whole.length - 1000,
            whole.length - 1}) {
            Path file = Files.write(tmp.resolve("cut" + cut + ".pth"), Arrays.copyOf(whole, cut));
            assertThatThrownBy(() -> TorchCheckpoint.read(file)).as("cut at %d", cut)
                    .isInstanceOf(WeightFileException.class).hasMessageContaining(file.toString());
            Files.delete(file);
        }
    }

    @Test
    void shortStorageEntryFails() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1});
        p.setitems().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("short.pth"), p.bytes(),
                Map.of("0", PickleWriter.floats(ByteOrder.LITTLE_ENDIAN, 1f, 2f)), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("entry 'archive/data/0'")
                .hasMessageContaining("expected 16 bytes (4 x torch.FloatStorage) but the entry holds 8");
    }

    @Test
    void missingStorageEntryFails() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").tensor("FloatStorage", "7", 1, 0, new long[] {1}, new long[] {1});
        p.setitems().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("missing.pth"), p.bytes(), Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("entry 'archive/data/7'").hasMessageContaining("missing");
    }

    @Test
    void viewOutsideItsStorageFails() throws IOException {
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").tensor("FloatStorage", "0", 4, 1, new long[] {2, 2}, new long[] {2, 1});
        p.setitems().stop();
        Path file = PickleWriter.writeZip(tmp.resolve("outside.pth"), p.bytes(),
                Map.of("0", PickleWriter.floats(ByteOrder.LITTLE_ENDIAN, 1f, 2f, 3f, 4f)), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("reaches element 4 but archive/data/0 holds 4");
    }

    @Test
    void hugeClaimsFailWithoutAllocating() throws IOException {
        // a storage claiming 2^31 floats, and a string claiming 4 GB, in files of a few hundred bytes
        PickleWriter p = PickleWriter.protocol2().emptyDict().mark();
        p.string("w").global("torch._utils", "_rebuild_tensor_v2").mark().mark().string("storage")
                .global("torch", "FloatStorage").string("0").string("cpu").integer(Integer.MAX_VALUE).tuple()
                .binpersid();
        Path storageFile = PickleWriter.writeZip(tmp.resolve("bigstorage.pth"), p.bytes(),
                Map.of("0", new byte[8]), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(storageFile)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("entry 'archive/data/0'")
                .hasMessageContaining("storage claims 2147483647 elements");

        byte[] pickle = PickleWriter.protocol2().raw('X').raw(0xff, 0xff, 0xff, 0xff).raw('a', 'b').stop().bytes();
        Path stringFile = PickleWriter.writeZip(tmp.resolve("bigstring.pth"), pickle, Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(stringFile)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("BINUNICODE claims 4294967295 bytes");
    }

    @Test
    void malformedPickleFails() throws IOException {
        byte[] pickle = PickleWriter.protocol2().reduce().stop().bytes();
        Path file = PickleWriter.writeZip(tmp.resolve("malformed.pth"), pickle, Map.of(), "little");
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("malformed pickle").hasMessageContaining("entry 'archive/data.pkl' byte 3");
    }

    @Test
    void otherFormatsAreNamed() throws IOException {
        Path legacy = Files.write(tmp.resolve("legacy.pth"), new byte[] {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c,
            (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e, 0x00});
        assertThatThrownBy(() -> TorchCheckpoint.read(legacy)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("legacy (pre-1.6) torch.save format; re-save it with torch>=1.6");
        Path safetensors = Fixtures.tiny("weights.safetensors");
        assertThatThrownBy(() -> TorchCheckpoint.read(safetensors)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("not a torch.save zip").hasMessageContaining("use SafeTensors.read");
        Path noPickle = tmp.resolve("nopickle.zip");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(noPickle))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
            zip.closeEntry();
        }
        assertThatThrownBy(() -> TorchCheckpoint.read(noPickle)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("no <prefix>/data.pkl entry").hasMessageContaining("readme.txt");
    }
}
