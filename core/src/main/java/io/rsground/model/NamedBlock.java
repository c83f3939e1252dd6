package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL block whose parameters carry the reference implementation's names. DJL prefixes child names with a number;
 * here every block also keeps the plain PyTorch-style name of each parameter and child, so that
 * {@link #namedParameters()} yields exactly the keys of the reference {@code state_dict}
 * (e.g. {@code clip.visual.transformer.resblocks.0.attn.in_proj_weight}).
 *
 * <p>Subclasses call their parts directly through typed methods; {@link #forwardInternal} is only used where a
 * block is driven through DJL's generic {@code Block} interface.
 */
abstract class NamedBlock extends AbstractBlock {
    private final Map<String, Parameter> ownParameters = new LinkedHashMap<>();
    private final Map<String, NamedBlock> namedChildren = new LinkedHashMap<>();

    /** Declares a parameter with a fixed shape and its initialiser. */
    protected final Parameter param(String name, Initializer initializer, long... shape) {
        Parameter p = addParameter(Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(shape))
                .optInitializer(initializer)
                .build());
        ownParameters.put(name, p);
        return p;
    }

    /** Declares a child block under its reference name. */
    protected final <B extends NamedBlock> B child(String name, B block) {
        addChildBlock(name.replace('.', '_'), block);
        namedChildren.put(name, block);
        return block;
    }

    /** @return every parameter below this block, keyed by its reference name, in declaration order */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        ownParameters.forEach((name, p) -> out.put(prefix + name, p));
        namedChildren.forEach((name, block) -> block.collect(prefix + name + ".", out));
    }

    /** @return the value of a parameter for this pass (the store may hand out a device copy) */
    protected static NDArray value(ParameterStore store, Parameter p, boolean training) {
        NDArray array = p.getArray();
        return store == null ? array : store.getValue(p, array.getDevice(), training);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is called through its typed methods");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not infer shapes");
    }

    @Override
    protected void initializeChildBlocks(ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
        // every parameter has a fixed shape, so children need no input shapes
        for (ai.djl.nn.Block child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }
}
