package dev.qwenvl.http;

import dev.qwenvl.engine.EngineException;
import java.net.URI;

/**
 * The OpenAI-compatible server did not answer a request as expected: it refused the connection,
 * timed out, answered an HTTP error, or answered something that is not a chat completion.
 */
public class ServerException extends EngineException {
    private static final long serialVersionUID = 1L;

    /** No HTTP status: the server never answered (refused, timed out, connection lost). */
    public static final int NO_STATUS = -1;

    private final URI url;
    private final int status;
    private final String bodyExcerpt;

    public ServerException(String message, URI url, int status, String bodyExcerpt, Throwable cause) {
        super(message, cause);
        this.url = url;
        this.status = status;
        this.bodyExcerpt = bodyExcerpt;
    }

    /** The URL the request went to. */
    public URI url() {
        return url;
    }

    /** The HTTP status the server answered, or {@link #NO_STATUS}. */
    public int status() {
        return status;
    }

    /** The start of the answer's body ({@code ""} when there was none). */
    public String bodyExcerpt() {
        return bodyExcerpt;
    }
}
