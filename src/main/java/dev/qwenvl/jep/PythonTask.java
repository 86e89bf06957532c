package dev.qwenvl.jep;

import jep.Interpreter;
import jep.JepException;

/** Work that runs on the interpreter thread with direct access to the interpreter. */
@FunctionalInterface
interface PythonTask<T> {
    T run(Interpreter interpreter) throws JepException;
}
