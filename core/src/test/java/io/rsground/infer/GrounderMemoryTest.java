package io.rsground.infer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import io.rsground.image.Images;
import io.rsground.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A serving process calls the grounder for as long as it lives: each call must leave no native array behind,
 * neither in the model's manager (where DJL puts the results of operations on parameters) nor in the grounder's.
 */
class GrounderMemoryTest {

    /** @return arrays and managers held by the manager and all its sub-managers */
    private static int resources(NDManager manager) throws ReflectiveOperationException {
        Field field = BaseNDManager.class.getDeclaredField("resources");
        field.setAccessible(true);
        int n = 0;
        for (Object resource : ((Map<?, ?>) field.get(manager)).values()) {
            n++;
            if (resource instanceof NDManager sub) {
                n += resources(sub);
            }
        }
        return n;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void repeatedCallsLeaveNoArraysBehind(int cacheSize) throws Exception {
        LoadedModel loaded = GrounderFixtureTest.load("weights.safetensors");
        BufferedImage first = Images.read(Fixtures.clipvgTiny().resolve("images/sample_4.png"));
        BufferedImage second = Images.read(Fixtures.clipvgTiny().resolve("images/sample_5.jpg"));
        try (Grounder grounder = new Grounder(loaded, cacheSize)) {
            // fill the cache first: it holds one array per image, by design
            grounder.ground(first, "a ship");
            grounder.ground(second, "a ship");
            int settled = resources(loaded.manager());
            for (int i = 0; i < 4; i++) {
                grounder.ground(i % 2 == 0 ? first : second, List.of("the ship", "a tank near the road"));
            }
            assertThat(resources(loaded.manager())).isEqualTo(settled);
            assertThat(grounder.cacheStats()[0]).isEqualTo(cacheSize > 0 ? 4 : 0);
        }
    }
}
