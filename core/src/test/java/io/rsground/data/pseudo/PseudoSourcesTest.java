package io.rsground.data.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sources read back by global index agree with the {@code <source>} elements the writer put in the XML. */
class PseudoSourcesTest {
    @Test
    void eachLabelsSourceIsFoundByItsIndex(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 6, 256, 3, 1, ProgressListener.NONE);
        Path out = dir.resolve("pseudo");
        PseudoLabeler.run(new PseudoLabeler.Options(data, DetectionFormat.VOC, out,
                java.util.EnumSet.allOf(PseudoExpression.Source.class), 0, 0, false), ProgressListener.NONE);
        Map<Integer, String> sources = PseudoSources.read(out);
        DiorRsvgDataset read = DiorRsvgDataset.open(out, null);
        assertThat(sources).hasSize(read.allSamples().size());
        for (Sample s : read.allSamples()) {
            String xml = Files.readString(s.xmlFile());
            assertThat(xml).contains("<source>" + sources.get(s.index()) + "</source>");
        }
        assertThat(sources.values()).contains("template");
        assertThat(PseudoSources.read(data)).isEmpty(); // no pseudo.jsonl: no sources
        Files.writeString(out.resolve(PseudoSources.FILE), "{\"index\": 0}\n");
        assertThatThrownBy(() -> PseudoSources.read(out)).hasMessageContaining("pseudo.jsonl:1");
    }
}
