package dev.qwenvl.model;

import java.util.List;

/**
 * A model the pipeline loads once and then uses many times.
 *
 * <p>Lifecycle: construct (cheap, loads nothing) &rarr; {@link #setup()} (loads the model; a
 * second call is a no-op) &rarr; use &rarr; {@link #close()} (releases it; idempotent). A closed
 * model cannot be set up again.
 */
public interface ModelInterface extends AutoCloseable {

    /** The model ids (for example HuggingFace repository ids) whose weights this model needs. */
    List<String> modelIdNames();

    /**
     * Loads the model. Idempotent: once set up, further calls do nothing.
     *
     * @throws ModelStateException when the model was closed
     */
    void setup();

    /** Releases the model and everything it holds. Idempotent; never throws a checked exception. */
    @Override
    void close();
}
