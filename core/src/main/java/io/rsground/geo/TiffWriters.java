package io.rsground.geo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** The JDK's TIFF writer: the one whose tiled files {@link SceneReader} reads window by window. */
public final class TiffWriters {
    private TiffWriters() {
    }

    /** @return the JDK's TIFF writer; TwelveMonkeys registers one too, which is passed over */
    public static ImageWriter jdk() {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("tiff");
        while (writers.hasNext()) {
            ImageWriter writer = writers.next();
            if (writer.getClass().getName().startsWith("com.sun.imageio.plugins.tiff.")) {
                return writer;
            }
            writer.dispose();
        }
        throw new IllegalStateException("the JDK's TIFF writer (com.sun.imageio.plugins.tiff) is not registered");
    }

    /**
     * Writes an uncompressed TIFF in square tiles.
     *
     * @param out the file, replaced if it exists
     * @param image the pixels; asked for tile by tile
     * @param tileSize tile side in pixels (a multiple of 16)
     */
    public static void writeTiled(Path out, java.awt.image.RenderedImage image, int tileSize) throws IOException {
        ImageWriter writer = jdk();
        try {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setTilingMode(ImageWriteParam.MODE_EXPLICIT);
            param.setTiling(tileSize, tileSize, 0, 0);
            Files.deleteIfExists(out);
            try (ImageOutputStream stream = ImageIO.createImageOutputStream(out.toFile())) {
                writer.setOutput(stream);
                writer.write(null, new IIOImage(image, null, null), param);
            }
        } finally {
            writer.dispose();
        }
    }
}
