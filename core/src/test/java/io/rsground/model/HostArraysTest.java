package io.rsground.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Tensors from Java arrays: same values as DJL's own path, their own memory, and no direct-memory garbage. */
class HostArraysTest {

    @Test
    void valuesShapesAndTypesRoundTrip() {
        Engine.getInstance();
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] floats = {1.5f, -2f, 3.25f, 0f, 7f, -0.125f};
            NDArray f = HostArrays.create(manager, floats, new Shape(2, 3));
            assertThat(f.getShape()).isEqualTo(new Shape(2, 3));
            assertThat(f.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(f.toFloatArray()).containsExactly(floats);
            assertThat(f.getManager()).isSameAs(manager);

            long[] longs = {49406, 320, 1125, 49407, 0};
            NDArray l = HostArrays.create(manager, longs, new Shape(1, 5));
            assertThat(l.getDataType()).isEqualTo(DataType.INT64);
            assertThat(l.toLongArray()).containsExactly(longs);

            // the staging buffer is reused: the first tensor must not change when the next one is made
            HostArrays.create(manager, new float[] {9, 9, 9, 9, 9, 9}, new Shape(6));
            assertThat(f.toFloatArray()).containsExactly(floats);
            assertThat(f.sum().getFloat()).isEqualTo(9.625f);
        }
    }

    @Test
    void wrongSizeIsRefusedWithBothCounts() {
        Engine.getInstance();
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> HostArrays.create(manager, new float[5], new Shape(2, 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6").hasMessageContaining("5");
        }
    }

    @Test
    void manyInputsLeaveNoDirectMemoryBehind() {
        Engine.getInstance();
        float[] megabyte = new float[1 << 18];
        long before = directMemoryUsed();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < 300; i++) {
                try (NDManager step = manager.newSubManager()) {
                    megabyte[0] = i;
                    NDArray a = HostArrays.create(step, megabyte, new Shape(megabyte.length));
                    assertThat(a.getFloat(0)).isEqualTo(i);
                }
            }
        }
        // 300 MB went through; only the one reused staging buffer (1 MB) may remain
        assertThat(directMemoryUsed() - before).isLessThan(4L << 20);
    }

    private static long directMemoryUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }
}
