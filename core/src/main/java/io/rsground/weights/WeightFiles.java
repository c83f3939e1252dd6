package io.rsground.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** Reads a weights file of either format, told apart by content, not by name. */
public final class WeightFiles {
    private WeightFiles() {
    }

    /**
     * @param file a safetensors file or a {@code torch.save} zip ({@code .pth}, {@code .pt}, {@code .bin})
     * @return the state dict (for a training checkpoint, its {@code model} entry)
     * @throws IOException naming the file when it is missing, unreadable or of neither format
     */
    public static Map<String, HostTensor> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "weights file does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory but not an rsground checkpoint (no "
                    + RsgroundCheckpoint.MANIFEST + ")");
        }
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        }
        // torch.save writes a zip (PK\3\4); the legacy format starts with a pickle (0x80) and is refused inside
        if (n >= 2 && (head[0] == 'P' && head[1] == 'K' || (head[0] & 0xff) == 0x80)) {
            return TorchCheckpoint.read(file).stateDict();
        }
        return SafeTensors.read(file);
    }
}
