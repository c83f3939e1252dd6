package io.rsground.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.rsground.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorsTest {

    @TempDir
    Path tmp;

    // ---- fixtures against DJL's own decoder ------------------------------------------------------------------

    @Test
    void weightsFixtureMatchesDjlDecoderExactly() throws IOException {
        Path file = Fixtures.tiny("weights.safetensors");
        long start = System.nanoTime();
        LinkedHashMap<String, HostTensor> tensors = SafeTensors.read(file);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("SafeTensors.read(weights.safetensors, %.1f MB, %d tensors): %d ms%n",
                Files.size(file) / 1e6, tensors.size(), millis);

        assertThat(tensors).hasSize(388);
        assertSameAsDjl(file, tensors);
        // the header lists tensors in data order; read() keeps that order
        assertThat(tensors.keySet()).startsWith("clip.positional_embedding", "clip.text_projection",
                "clip.logit_scale");
        assertThat(tensors.get("clip.positional_embedding").shape()).containsExactly(77, 64);
    }

    @Test
    void expectedFixtureWithIntegerTensorsMatchesDjl() throws IOException {
        Path file = Fixtures.tiny("expected.safetensors");
        SafeTensors.Header header = SafeTensors.readHeader(file);
        assertThat(header.tensors().values()).extracting(SafeTensors.TensorInfo::dtype)
                .contains(Dtype.I32, Dtype.I64, Dtype.F32);
        LinkedHashMap<String, HostTensor> tensors = SafeTensors.read(file);
        assertSameAsDjl(file, tensors);
        assertThat(tensors.get("images").shape()).containsExactly(6, 3, 224, 224);
        assertThat(tensors.get("tokens").isFloat()).isFalse();
        assertThat(tensors.get("tokens").shape()).containsExactly(6, 77);
    }

    @Test
    void hfFixtureMatchesDjlAndHoldsTransposedProjection() throws IOException {
        Path hf = Fixtures.tiny("weights-hf.safetensors");
        LinkedHashMap<String, HostTensor> tensors = SafeTensors.read(hf);
        assertSameAsDjl(hf, tensors);
        // README: visual_projection.weight is clip.visual.proj transposed (independent of any decoder detail)
        HostTensor proj = SafeTensors.read(Fixtures.tiny("weights.safetensors")).get("clip.visual.proj");
        HostTensor hfProj = tensors.get("visual_projection.weight");
        long[] s = proj.shape();
        assertThat(hfProj.shape()).containsExactly(s[1], s[0]);
        for (int i = 0; i < s[0]; i++) {
            for (int j = 0; j < s[1]; j++) {
                assertThat(hfProj.floats()[(int) (j * s[0] + i)]).isEqualTo(proj.floats()[(int) (i * s[1] + j)]);
            }
        }
    }

    @Test
    void headerGivesMetadataShapesAndContiguousOffsets() throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(Fixtures.tiny("weights.safetensors"));
        assertThat(header.metadata()).containsEntry("format", "pt")
                .containsEntry("source", "ML_CLIP_VG state_dict without aliases");
        assertThat(header.dataStart()).isEqualTo(8 + 44072);
        assertThat(header.dataLength()).isEqualTo(26318356);
        SafeTensors.TensorInfo first = header.tensors().get("clip.positional_embedding");
        assertThat(first.dtype()).isEqualTo(Dtype.F32);
        assertThat(first.begin()).isZero();
        assertThat(first.end()).isEqualTo(77 * 64 * 4);
        long total = header.tensors().values().stream().mapToLong(t -> t.end() - t.begin()).sum();
        assertThat(total).isEqualTo(header.dataLength());
    }

    private static void assertSameAsDjl(Path file, Map<String, HostTensor> ours) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); InputStream in = Files.newInputStream(file)) {
            NDList djl = NDList.decode(manager, in);
            assertThat(djl).hasSize(ours.size());
            for (NDArray array : djl) {
                HostTensor t = ours.get(array.getName());
                assertThat(t).as(array.getName()).isNotNull();
                assertThat(t.shape()).as(array.getName()).containsExactly(array.getShape().getShape());
                if (t.isFloat()) {
                    assertSameBits(t.floats(), array.toFloatArray());
                } else {
                    assertThat(firstDifference(t.longs(), array.toType(DataType.INT64, false).toLongArray()))
                            .as(array.getName()).isEqualTo(-1);
                }
            }
        }
    }

    // ---- hand-made files with every dtype ----------------------------------------------------------------------

    @Test
    void halfAndBfloat16ConvertExactly() throws IOException {
        // IEEE half bits and their values, computed by hand
        short[] halfBits = {0x3C00, (short) 0xC100, 0x7BFF, 0x0001, 0x03FF, 0x0400, (short) 0x8000, 0x7C00,
            (short) 0xFC00, 0x7E00, 0x3555};
        float[] halfValues = {1.0f, -2.5f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, -0.0f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.333251953125f};
        // bfloat16 bits are the top half of a float32
        short[] bfBits = {0x3F80, (short) 0xC020, 0x4049, 0x0001, 0x7F80, (short) 0xFF80, 0x7FC0, (short) 0x8000};
        float[] bfValues = {1.0f, -2.5f, 3.140625f, Float.intBitsToFloat(0x00010000), Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN, -0.0f};

        ByteBuffer data = ByteBuffer.allocate(2 * (halfBits.length + bfBits.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (short b : halfBits) {
            data.putShort(b);
        }
        for (short b : bfBits) {
            data.putShort(b);
        }
        int halfEnd = 2 * halfBits.length;
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[" + halfBits.length + "],\"data_offsets\":[0," + halfEnd
                + "]},\"b\":{\"dtype\":\"BF16\",\"shape\":[" + bfBits.length + "],\"data_offsets\":[" + halfEnd + ","
                + (halfEnd + 2 * bfBits.length) + "]}}";
        Path file = writeRaw(header, data.array());

        Map<String, HostTensor> t = SafeTensors.read(file);
        assertSameBits(t.get("h").floats(), halfValues);
        assertSameBits(t.get("b").floats(), bfValues);
        assertThat(Float.isNaN(t.get("h").floats()[9])).isTrue();
        assertThat(t.get("h").floats()[3]).isEqualTo(5.9604645E-8f);
    }

    @Test
    void halfConversionAgreesWithFloatArithmeticForEveryFiniteValue() {
        // independent formula: (-1)^s * 2^(e-15) * (1 + m/1024), or 2^-14 * m/1024 for subnormals
        for (int bits = 0; bits < 0x10000; bits++) {
            int e = (bits >> 10) & 0x1f;
            int m = bits & 0x3ff;
            if (e == 0x1f) {
                continue;
            }
            double magnitude = e == 0 ? Math.scalb(m / 1024.0, -14) : Math.scalb(1 + m / 1024.0, e - 15);
            double expected = (bits & 0x8000) != 0 ? -magnitude : magnitude;
            assertThat((double) ElementReader.halfToFloat((short) bits)).as("bits %04x", bits).isEqualTo(expected);
        }
    }

    @Test
    void integerBoolAndDoubleTypesReadAsLongsAndFloats() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(0, 0.1).putDouble(8, -1e300);                // F64 [0,16)
        data.putInt(16, -7).putInt(20, Integer.MAX_VALUE);          // I32 [16,24)
        data.putShort(24, (short) -300).putShort(26, (short) 300);  // I16 [24,28)
        data.put(28, (byte) -128).put(29, (byte) 127);              // I8 [28,30)
        data.put(30, (byte) 0xff).put(31, (byte) 0x01);             // U8 [30,32)
        data.put(32, (byte) 0).put(33, (byte) 1).put(34, (byte) 2); // BOOL [32,35)
        data.put(35, (byte) 0);                                     // 5 pad bytes: U8 [35,40)
        data.putLong(40, Long.MIN_VALUE).putLong(48, 42).putLong(56, -1); // I64 [40,64)
        String header = "{"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[24,28]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[28,30]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[30,32]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[32,35]},"
                + "\"pad\":{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[35,40]},"
                + "\"i64\":{\"dtype\":\"I64\",\"shape\":[3,1],\"data_offsets\":[40,64]},"
                + "\"__metadata__\":{\"k\":\"v\"}}";
        Map<String, HostTensor> t = SafeTensors.read(writeRaw(header, data.array()));
        assertThat(t.get("d").floats()).containsExactly(0.1f, Float.NEGATIVE_INFINITY);
        assertThat(t.get("i32").longs()).containsExactly(-7, Integer.MAX_VALUE);
        assertThat(t.get("i16").longs()).containsExactly(-300, 300);
        assertThat(t.get("i8").longs()).containsExactly(-128, 127);
        assertThat(t.get("u8").longs()).containsExactly(255, 1);
        assertThat(t.get("bool").longs()).containsExactly(0, 1, 1);
        assertThat(t.get("i64").longs()).containsExactly(Long.MIN_VALUE, 42, -1);
        assertThat(t.get("i64").shape()).containsExactly(3, 1);
        assertThat(t).doesNotContainKey("__metadata__");
    }

    // ---- writing -----------------------------------------------------------------------------------------------

    @Test
    void writeThenReadRoundTripsAndDjlReadsTheFile() throws IOException {
        Random random = new Random(7);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("z.weight", HostTensor.ofFloats(new long[] {3, 5}, randomFloats(random, 15)));
        tensors.put("a.bias", HostTensor.ofFloats(new long[] {7}, randomFloats(random, 7)));
        tensors.put("scalar", HostTensor.ofFloats(new long[] {}, new float[] {Float.NaN}));
        tensors.put("ids", HostTensor.ofLongs(new long[] {2, 2}, new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}));
        tensors.put("special", HostTensor.ofFloats(new long[] {4},
                new float[] {-0.0f, Float.MIN_VALUE, Float.POSITIVE_INFINITY, -Float.MAX_VALUE}));
        // larger than the 1 MB write buffer, to cross chunk boundaries
        tensors.put("m.big", HostTensor.ofFloats(new long[] {300_001}, randomFloats(random, 300_001)));
        Map<String, String> metadata = Map.of("format", "pt", "note", "ünïcode ✓");
        Path file = tmp.resolve("out.safetensors");
        SafeTensors.write(file, tensors, metadata);

        LinkedHashMap<String, HostTensor> back = SafeTensors.read(file);
        assertThat(back).isEqualTo(tensors);
        assertThat(back.keySet()).containsExactly("a.bias", "ids", "m.big", "scalar", "special", "z.weight");
        assertSameBits(back.get("special").floats(), tensors.get("special").floats());
        SafeTensors.Header header = SafeTensors.readHeader(file);
        assertThat(header.metadata()).isEqualTo(metadata);
        assertThat(header.tensors().get("ids").dtype()).isEqualTo(Dtype.I64);
        assertThat(header.tensors().get("z.weight").dtype()).isEqualTo(Dtype.F32);
        assertThat((header.dataStart() - 8) % 8).isZero();
        // data follow the sorted key order
        List<Long> begins = new ArrayList<>();
        header.tensors().values().forEach(t -> begins.add(t.begin()));
        assertThat(begins).isSorted();

        try (NDManager manager = NDManager.newBaseManager(); InputStream in = Files.newInputStream(file)) {
            NDList djl = NDList.decode(manager, in);
            assertThat(djl).hasSize(tensors.size());
            for (NDArray a : djl) {
                HostTensor t = tensors.get(a.getName());
                assertThat(a.getShape().getShape()).as(a.getName()).containsExactly(t.shape());
                if (t.isFloat()) {
                    assertSameBits(a.toFloatArray(), t.floats());
                } else {
                    assertThat(firstDifference(a.toLongArray(), t.longs())).as(a.getName()).isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void writtenHeaderIsPaddedWithSpacesLikeTheReference() throws IOException {
        Path file = tmp.resolve("pad.safetensors");
        SafeTensors.write(file, Map.of("x", HostTensor.ofFloats(new long[] {1}, new float[] {1f})), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(headerLength % 8).isZero();
        assertThat(header.stripTrailing()).isEqualTo("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        assertThat(header.substring(header.stripTrailing().length())).matches(" {0,7}");
        assertThat(bytes.length).isEqualTo(8 + headerLength + 4);
    }

    @Test
    void writeRejectsReservedName() {
        assertThatThrownBy(() -> SafeTensors.write(tmp.resolve("x.safetensors"),
                Map.of("__metadata__", HostTensor.ofFloats(new long[] {1}, new float[] {1})), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("__metadata__");
    }

    // ---- bad input -------------------------------------------------------------------------------------------

    static Stream<Arguments> badHeaders() {
        String ok = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";
        return Stream.of(
                Arguments.of("not json", "{\"a\": nope}", 8, "does not parse"),
                Arguments.of("json array", "[1,2]", 8, "expected a JSON object but found array"),
                Arguments.of("trailing garbage", "{\"a\":{" + ok + "}} x", 8, "does not parse"),
                Arguments.of("duplicate key", "{\"a\":{" + ok + "},\"a\":{" + ok + "}}", 8, "does not parse"),
                Arguments.of("missing dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'dtype'"),
                Arguments.of("unknown dtype", "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}",
                        8, "unsupported dtype 'F8_E4M3'"),
                Arguments.of("negative shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
                        8, "'shape' to be an array of non-negative integers"),
                Arguments.of("fractional shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}",
                        8, "non-negative integers"),
                Arguments.of("overflowing shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                        + "\"data_offsets\":[0,8]}}", 8, "overflows"),
                Arguments.of("too many elements", "{\"a\":{\"dtype\":\"U8\",\"shape\":[65536,65536],"
                        + "\"data_offsets\":[0,4294967296]}}", 8, "a Java array holds at most"),
                Arguments.of("shape/offsets disagree", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                        8, "expected 12 bytes (3 x F32, shape [3]) but data_offsets [0, 8] span 8"),
                Arguments.of("end before begin", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}",
                        8, "end before they begin"),
                Arguments.of("offsets past data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
                        8, "reach past the data section, which has 8 bytes"),
                Arguments.of("offset pair of three", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}",
                        8, "array of 2 non-negative integers"),
                Arguments.of("overlap", "{\"a\":{" + ok + "},\"b\":{\"dtype\":\"F32\",\"shape\":[1],"
                        + "\"data_offsets\":[4,8]}}", 8, "overlap tensor 'a'"),
                Arguments.of("gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
                        "expected data to start at byte 0"),
                Arguments.of("trailing data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
                        "tensors cover 4 bytes but the data section has 8"),
                Arguments.of("metadata not strings", "{\"__metadata__\":{\"k\":1},\"a\":{" + ok + "}}", 8,
                        "__metadata__.k"),
                Arguments.of("entry not an object", "{\"a\":[1]}", 8, "expected an object with dtype"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void badHeaderFailsWithClearMessage(String what, String header, int dataBytes, String expectedMessage)
            throws IOException {
        Path file = writeRaw(header, new byte[dataBytes]);
        assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(expectedMessage);
        assertThatThrownBy(() -> SafeTensors.readHeader(file)).isInstanceOf(WeightFileException.class);
    }

    @Test
    void tooShortFileFails() throws IOException {
        Path file = Files.write(tmp.resolve("short.safetensors"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("file has 3 bytes");
    }

    @Test
    void headerLengthLargerThanFileFails() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Path file = Files.write(tmp.resolve("long.safetensors"), b.array());
        assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("header claims 1000 bytes but only 12 follow");
    }

    @Test
    void absurdHeaderLengthFailsWithoutAllocating() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(-2);
        Path file = Files.write(tmp.resolve("huge.safetensors"), b.array());
        assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("expected 0..100000000 bytes but found 18446744073709551614");
        b.putLong(0, 150_000_000L);
        Files.write(file, b.array());
        assertThatThrownBy(() -> SafeTensors.read(file)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining("found 150000000");
    }

    @Test
    void truncatedFixtureFailsAtEveryCut() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.tiny("expected.safetensors"));
        for (int cut : new int[] {0, 7, 8, 100, 800, 5000, whole.length / 2, whole.length - 1}) {
            Path file = Files.write(tmp.resolve("cut" + cut + ".safetensors"), Arrays.copyOf(whole, cut));
            assertThatThrownBy(() -> SafeTensors.read(file)).as("cut at %d", cut)
                    .isInstanceOf(WeightFileException.class).hasMessageContaining(file.toString());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private Path writeRaw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return Files.write(Files.createTempFile(tmp, "hand", ".safetensors"), out.toByteArray());
    }

    private static float[] randomFloats(Random random, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) random.nextGaussian();
        }
        return f;
    }

    /** Bitwise equality (NaN payloads and signed zeros included), reporting the first difference. */
    static void assertSameBits(float[] actual, float[] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError("element " + i + ": " + actual[i] + " but expected " + expected[i]);
            }
        }
    }

    static int firstDifference(long[] a, long[] b) {
        if (a.length != b.length) {
            return Math.min(a.length, b.length);
        }
        return Arrays.mismatch(a, b);
    }
}
