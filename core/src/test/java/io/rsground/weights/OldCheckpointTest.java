package io.rsground.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.ModelLoader;
import io.rsground.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint written by rsground 0.1.0 (format 1, a micro model with a word vocabulary) is kept in the test
 * resources: every later version must read it and give the boxes it gave then.
 */
class OldCheckpointTest {

    @Test
    void formatOneCheckpointStillLoadsAndPredictsTheSame() throws Exception {
        Path dir = Path.of(OldCheckpointTest.class.getResource("/io/rsground/compat/v1-micro").toURI());
        try (Grounder g = new Grounder(ModelLoader.load(ModelLoader.Request.of(dir)), 0)) {
            assertThat(g.hasPresenceHead()).isFalse();
            List<GroundingResult> r = g.ground(Images.read(Fixtures.tiny("images/sample_1.png")),
                    List.of("the white stadium at the bottom", "a gray vehicle on the left"));
            // recorded when the checkpoint was written (rsground 0.1.0)
            double[][] expected = {
                {156.09448432922363, 63.36709976196289, 446.6826915740967, 353.6636543273926},
                {160.90380668640137, 61.801767349243164, 448.1956958770752, 356.81334495544434}};
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < 4; k++) {
                    assertThat(r.get(i).boxXyxy()[k]).isCloseTo(expected[i][k], within(0.01));
                }
                assertThat(r.get(i).score()).isNull(); // written before the presence head
            }
        }
    }
}
