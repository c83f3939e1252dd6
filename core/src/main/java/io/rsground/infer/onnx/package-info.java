/**
 * CLIP-VG as an ONNX model, and ONNX Runtime as an engine. {@link io.rsground.infer.onnx.OnnxExporter} writes a
 * loaded model's whole forward pass as one ONNX file (opset 17) through its own protobuf encoder
 * ({@link io.rsground.infer.onnx.OnnxProto}); the graph ({@code ClipVgGraph}, {@code OnnxLayers}) computes op for
 * op what {@code ClipVgModel.forward} computes, in float32 or with int8 linear maps; a model over 2 GB keeps its
 * weights in a side file ({@link io.rsground.infer.onnx.ExternalData}). {@link io.rsground.infer.onnx.OnnxPredictor}
 * runs such a file on prepared arrays and {@link io.rsground.infer.onnx.OnnxGrounder} grounds queries in images with
 * it, without DJL; exported in the process, the model runs cut after the image tower ({@code OnnxSplitPredictor}),
 * whose output a feature cache keeps per image. See {@code docs/onnx.md}.
 */
package io.rsground.infer.onnx;
