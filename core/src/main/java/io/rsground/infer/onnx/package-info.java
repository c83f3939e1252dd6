/**
 * CLIP-VG as an ONNX model, and ONNX Runtime as an engine. {@link io.rsground.infer.onnx.OnnxExporter} writes a
 * loaded model's whole forward pass as one ONNX file (opset 17) through its own protobuf encoder
 * ({@link io.rsground.infer.onnx.OnnxProto}); the graph ({@code ClipVgGraph}, {@code OnnxLayers}) computes op for
 * op what {@code ClipVgModel.forward} computes, in float32 or with int8 linear maps.
 * {@link io.rsground.infer.onnx.OnnxPredictor} runs such a file on prepared arrays and
 * {@link io.rsground.infer.onnx.OnnxGrounder} grounds queries in images with it, without DJL. See
 * {@code docs/onnx.md}.
 */
package io.rsground.infer.onnx;
