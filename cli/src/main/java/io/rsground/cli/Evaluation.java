package io.rsground.cli;

import io.rsground.data.Sample;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import java.util.List;

/** A model evaluated on samples with a progress bar, for {@code eval}, {@code visualize} and {@code demo}. */
final class Evaluation {
    private Evaluation() {
    }

    /**
     * @param request which model
     * @param samples what to evaluate
     * @param split the split's name, for the report
     * @return the report
     */
    static EvalReport run(ModelLoader.Request request, List<Sample> samples, String split, int batchSize,
            int workers) throws Exception {
        try (LoadedModel loaded = ModelLoader.load(request);
                Progress progress = new Progress("eval " + split, samples.size(), "samples")) {
            return Evaluator.evaluate(loaded.model(), loaded.manager(), loaded.tokenizer(), samples, split, batchSize,
                    workers, done -> progress.progress(done, samples.size()));
        }
    }
}
