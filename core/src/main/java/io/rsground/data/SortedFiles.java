package io.rsground.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The label files of a folder in file-name order: the order that makes global indices the same on every machine. */
public final class SortedFiles {
    private SortedFiles() {
    }

    /**
     * @param dir the folder
     * @param extension the files' extension with its dot, matched without regard to case, e.g. {@code .xml}
     * @return the regular files directly in the folder with that extension, sorted by name
     * @throws IOException when the folder cannot be listed
     */
    public static List<Path> list(Path dir, String extension) throws IOException {
        String ext = extension.toLowerCase(Locale.ROOT);
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(ext))
                    .filter(Files::isRegularFile)
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
    }
}
