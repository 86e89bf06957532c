package dev.qwenvl.engine;

/** A test payload that stands for frames held elsewhere: only its id matters. */
public record OpaqueVideo(long id) implements VideoPayload {}
