package dev.qwenvl.jep;

import dev.qwenvl.engine.VideoPayload;

/** Frames decoded in the embedded Python, held there under {@code id} until released. */
public record PythonFrames(long id) implements VideoPayload {}
