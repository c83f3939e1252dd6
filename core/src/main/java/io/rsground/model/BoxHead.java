package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/** The box regressor: MLP hidden-hidden-hidden-4 with ReLU between, then sigmoid (DETR's {@code MLP}). */
public final class BoxHead extends NamedBlock {
    private final Parameter[] weights = new Parameter[3];
    private final Parameter[] biases = new Parameter[3];

    public BoxHead(int hidden) {
        long[] out = {hidden, hidden, 4};
        long in = hidden;
        for (int i = 0; i < 3; i++) {
            weights[i] = param("layers." + i + ".weight", TorchInit.linearDefault(in), out[i], in);
            biases[i] = param("layers." + i + ".bias", TorchInit.linearDefault(in), out[i]);
            in = out[i];
        }
    }

    /**
     * @param reg [B, H] the fusion encoder's output at [REG]
     * @return [B, 4] boxes, cx,cy,w,h normalised to the padded square, in (0, 1)
     */
    public NDArray forward(ParameterStore ps, NDArray reg, boolean training) {
        NDArray x = reg;
        for (int i = 0; i < 3; i++) {
            x = Nn.linear(x, value(ps, weights[i], training), value(ps, biases[i], training));
            if (i < 2) {
                x = Activation.relu(x);
            }
        }
        return Activation.sigmoid(x);
    }
}
