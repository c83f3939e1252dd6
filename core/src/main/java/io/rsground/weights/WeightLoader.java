package io.rsground.weights;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.rsground.model.ClipVgModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts weights into a freshly built {@link ClipVgModel}: renames them to canonical names ({@link KeyMaps}), checks
 * them against the model and initialises the model with them. Strict by default: every missing, unexpected and
 * mis-shaped tensor is reported at once in a {@link WeightMismatchException}. Weights of CLIP alone (OpenAI,
 * OpenCLIP, Hugging Face files) fill the two towers; the rest of the model is drawn as the reference initialises it.
 */
public final class WeightLoader {
    private static final Logger LOG = LoggerFactory.getLogger(WeightLoader.class);

    private WeightLoader() {
    }

    /**
     * What a load did.
     *
     * @param naming the naming the weights followed
     * @param loaded parameters taken from the weights
     * @param initialised parameters drawn at random because the weights do not cover them (CLIP-only files)
     * @param unused tensors in the file that CLIP-VG does not use
     */
    public record Report(WeightNaming naming, int loaded, List<String> initialised, List<String> unused) {
    }

    /**
     * @param model a model whose parameters are not yet initialised
     * @param raw tensors as read from the file, under any of the three namings
     * @param source the file, for messages
     * @param strict when false, missing tensors are drawn at random and unexpected ones skipped (with a warning);
     *     mis-shaped tensors are always an error
     * @param manager owns the parameter arrays
     * @return what was loaded
     * @throws WeightMismatchException listing every problem
     */
    public static Report load(ClipVgModel model, Map<String, HostTensor> raw, String source, boolean strict,
            NDManager manager) {
        KeyMaps.Canonical canonical = KeyMaps.toCanonical(raw);
        boolean towersOnly = canonical.naming() != WeightNaming.CLIP_VG;
        Map<String, Parameter> params = model.namedParameters();

        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        List<String> unexpected = new ArrayList<>(canonical.unexpected());
        List<String> initialised = new ArrayList<>();
        canonical.incomplete().forEach((name, why) -> missing.add(name + " (" + why + ")"));
        for (String name : canonical.tensors().keySet()) {
            if (!params.containsKey(name)) {
                unexpected.add(name);
            }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            HostTensor t = canonical.tensors().get(name);
            if (t == null) {
                if (canonical.incomplete().containsKey(name)) {
                    continue;
                }
                if (towersOnly && !ClipVgModel.isClipParameter(name)) {
                    initialised.add(name);
                } else {
                    missing.add(name);
                }
                continue;
            }
            long[] want = e.getValue().getShape().getShape();
            if (!Arrays.equals(want, t.shape()) || !t.isFloat()) {
                misShaped.add(name + ": model " + Arrays.toString(want) + ", weights " + t.shapeString()
                        + (t.isFloat() ? "" : " (integer tensor)"));
            }
        }
        if (!misShaped.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            throw new WeightMismatchException(source, missing, unexpected, misShaped);
        }
        requireFinite(canonical.tensors(), params.keySet(), source);
        if (!missing.isEmpty()) {
            LOG.warn("{}: {} tensors missing, drawn at random: {}", source, missing.size(), missing);
            initialised.addAll(missing);
        }
        if (!unexpected.isEmpty()) {
            LOG.warn("{}: {} unexpected tensors skipped: {}", source, unexpected.size(), unexpected);
        }
        int loaded = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            HostTensor t = canonical.tensors().get(e.getKey());
            if (t != null) {
                float[] values = t.floats();
                Shape shape = new Shape(t.shape());
                e.getValue().setInitializer((m, s, dataType) -> m.create(values, shape));
                loaded++;
            }
        }
        model.initialize(manager, DataType.FLOAT32, new Shape(1));
        return new Report(canonical.naming(), loaded, List.copyOf(initialised), List.copyOf(canonical.unused()));
    }

    /**
     * Refuses weights holding NaN or infinity: the model would compute NaN boxes from them, an error that would
     * then point at the boxes rather than at the file.
     */
    private static void requireFinite(Map<String, HostTensor> tensors, Set<String> used, String source) {
        List<String> bad = new ArrayList<>();
        for (String name : used) {
            HostTensor t = tensors.get(name);
            if (t == null || !t.isFloat()) {
                continue;
            }
            long count = 0;
            for (float v : t.floats()) {
                if (!Float.isFinite(v)) {
                    count++;
                }
            }
            if (count > 0) {
                bad.add(name + " (" + count + " of " + t.floats().length + ")");
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("weights " + source + " hold NaN or infinite values in " + bad.size()
                    + " tensors: " + String.join(", ", bad.subList(0, Math.min(5, bad.size())))
                    + (bad.size() > 5 ? ", ..." : "") + "; the file is damaged or was saved from a diverged run");
        }
    }
}
