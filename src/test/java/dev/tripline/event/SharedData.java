package dev.tripline.event;

import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the read-only reference data that surefire points to with the {@code tripline.shared} property. */
final class SharedData {
    private SharedData() {
    }

    static Path dir(String name) {
        return Paths.get(System.getProperty("tripline.shared", "../shared"), "data", name);
    }
}
