package io.rsground.infer.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.rsground.config.ModelConfigs;
import io.rsground.config.VisionConfig;
import io.rsground.image.EvalTransform;
import io.rsground.image.PaddedGeometry;
import io.rsground.infer.onnx.OnnxProto.Attribute;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written protobuf encoder, read back by protobuf's own parser and by ONNX Runtime. */
class OnnxProtoTest {

    /**
     * out = Pad(LeakyRelu(Transpose(x + c1) * c2), one zero row before): every attribute type the exporter writes
     * (floats, tensor, ints, float, string) and a symbolic input size.
     */
    private static OnnxProto.Model smallModel() {
        GraphBuilder g = new GraphBuilder();
        String x = g.input("x", OnnxProto.FLOAT, "n", 3L);
        String c1 = g.op("Constant", List.of(Attribute.floats("value_floats", 1f, -2f, 3f)));
        String c2 = g.op("Constant", List.of(Attribute.of("value", OnnxProto.Tensor.floats("two", new long[0],
                new float[] {2f}))));
        String t = g.op("Transpose", List.of(Attribute.ints("perm", 1, 0)), g.add(x, c1)); // [3, n]
        String act = g.op("LeakyRelu", List.of(Attribute.of("alpha", 0.5f)), g.mul(t, c2));
        String padded = g.op("Pad", List.of(Attribute.of("mode", "constant")), act, g.longs(1, 0, 0, 0));
        g.output(padded, "y", OnnxProto.FLOAT, 4L, "n");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model_config", "{\"a\": 1}");
        meta.put("unicode", "Größe ✓");
        return new OnnxProto.Model(OnnxExporter.IR_VERSION, "rsground", "test", Map.of("", GraphBuilder.OPSET),
                g.build("small"), meta);
    }

    @Test
    void aSmallModelRunsInOnnxRuntimeWithItsMetadata() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(smallModel().toBytes(), new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {0, 0, 0, -1, 1, -4}),
                        new long[] {2, 3});
                OrtSession.Result out = session.run(Map.of("x", x))) {
            float[][] y = (float[][]) out.get("y").get().getValue();
            // x + c1 = [[1, -2, 3], [0, -1, -1]]; transposed, doubled, negatives halved; a zero row in front
            assertThat(y).isDeepEqualTo(new float[][] {{0, 0}, {2, 0}, {-2, -1}, {6, -1}});
            assertThat(session.getMetadata().getCustomMetadata()).containsEntry("model_config", "{\"a\": 1}")
                    .containsEntry("unicode", "Größe ✓");
            assertThat(session.getMetadata().getProducerName()).isEqualTo("rsground");
        }
    }

    @Test
    void protobufReadsTheFieldsWhereOnnxProtoDefinesThem() throws Exception {
        UnknownFieldSet model = UnknownFieldSet.parseFrom(smallModel().toBytes());
        assertThat(model.getField(1).getVarintList()).containsExactly(8L); // ir_version
        assertThat(model.getField(2).getLengthDelimitedList()).containsExactly(ByteString.copyFromUtf8("rsground"));
        UnknownFieldSet opset = UnknownFieldSet.parseFrom(model.getField(8).getLengthDelimitedList().get(0));
        assertThat(opset.getField(2).getVarintList()).containsExactly(17L);
        assertThat(model.getField(14).getLengthDelimitedList()).hasSize(2); // metadata_props
        UnknownFieldSet graph = UnknownFieldSet.parseFrom(model.getField(7).getLengthDelimitedList().get(0));
        assertThat(graph.getField(2).getLengthDelimitedList()).containsExactly(ByteString.copyFromUtf8("small"));
        assertThat(graph.getField(11).getLengthDelimitedList()).hasSize(1); // input x
        assertThat(graph.getField(12).getLengthDelimitedList()).hasSize(1); // output y
        UnknownFieldSet input = UnknownFieldSet.parseFrom(graph.getField(11).getLengthDelimitedList().get(0));
        UnknownFieldSet tensorType = UnknownFieldSet.parseFrom(UnknownFieldSet.parseFrom(
                input.getField(2).getLengthDelimitedList().get(0)).getField(1).getLengthDelimitedList().get(0));
        assertThat(tensorType.getField(1).getVarintList()).containsExactly((long) OnnxProto.FLOAT);
        UnknownFieldSet shape = UnknownFieldSet.parseFrom(tensorType.getField(2).getLengthDelimitedList().get(0));
        List<ByteString> dims = shape.getField(1).getLengthDelimitedList();
        assertThat(UnknownFieldSet.parseFrom(dims.get(0)).getField(2).getLengthDelimitedList())
                .containsExactly(ByteString.copyFromUtf8("n")); // dim_param
        assertThat(UnknownFieldSet.parseFrom(dims.get(1)).getField(1).getVarintList()).containsExactly(3L);
    }

    @Test
    void thePatchMaskIsTheTransformsForEveryPlacement() throws Exception {
        VisionConfig vision = ModelConfigs.preset("vit-b-16").vision();
        int s = vision.imageSize();
        int[][] sizes = {{800, 800}, {640, 480}, {333, 517}, {1024, 400}, {96, 160}, {1000, 17}, {31, 900},
                {225, 224}, {300, 299}};
        ByteBuffer masks = ByteBuffer.allocateDirect(sizes.length * s * s);
        boolean[][] expected = new boolean[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            byte[] mask = PaddedGeometry.centred(sizes[i][0], sizes[i][1], s).pixelMask();
            masks.put(mask);
            expected[i] = EvalTransform.patchMask(mask, s, vision.patchSize());
        }
        masks.flip();
        OnnxProto.Graph graph = new ClipVgGraph(ModelConfigs.preset("vit-b-16"), null,
                OnnxExporter.Precision.FLOAT32).patchMaskGraph();
        byte[] bytes = new OnnxProto.Model(OnnxExporter.IR_VERSION, "rsground", "test",
                Map.of("", GraphBuilder.OPSET), graph, Map.of()).toBytes();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, masks, new long[] {sizes.length, s, s},
                        ai.onnxruntime.OnnxJavaType.UINT8);
                OrtSession.Result out = session.run(Map.of(OnnxExporter.PIXEL_MASKS, in))) {
            float[][] got = (float[][]) out.get("patch_masks").get().getValue();
            int masked = 0;
            for (int i = 0; i < sizes.length; i++) {
                for (int j = 0; j < expected[i].length; j++) {
                    assertThat(got[i][j]).as("image %dx%d patch %d", sizes[i][0], sizes[i][1], j)
                            .isEqualTo(expected[i][j] ? 1f : 0f);
                    masked += expected[i][j] ? 1 : 0;
                }
            }
            assertThat(masked).isGreaterThan(100); // the placements pad, so the check is not all zeros
        }
    }
}
