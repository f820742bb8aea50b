namespace Router.FakeOpenRouter;

/// <summary>How the fake answers chat completions for one model. Every field is optional; the default is a quick success.</summary>
public sealed record FakeBehavior
{
    /// <summary>Time before the response headers (think time).</summary>
    public int LatencyMs { get; init; }

    /// <summary>Streaming/answer pace; 0 means as fast as possible.</summary>
    public double TokensPerSecond { get; init; }

    /// <summary>Answer with this HTTP status instead of a completion (400, 401, 402, 404, 408, 429, 500, 502, 503, ...).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Chance (0..1) that <see cref="StatusCode"/> applies to a call.</summary>
    public double StatusProbability { get; init; } = 1.0;

    /// <summary>Apply <see cref="StatusCode"/> to the first N calls only, then succeed. Null: every call.</summary>
    public int? FailTimes { get; init; }

    /// <summary>Retry-After header (seconds) sent with error statuses.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Never answer: the request waits until the client gives up.</summary>
    public bool Hang { get; init; }

    /// <summary>Hang on this share (0..1) of calls instead of always.</summary>
    public double HangProbability { get; init; }

    /// <summary>Streaming: send this many content chunks, then an error chunk (finish_reason "error").</summary>
    public int? MidStreamErrorAfterChunks { get; init; }

    /// <summary>Chance (0..1) that <see cref="MidStreamErrorAfterChunks"/> applies to a stream.</summary>
    public double MidStreamErrorProbability { get; init; } = 1.0;

    /// <summary>Streaming: stop sending (without [DONE]) after this many content chunks and hang.</summary>
    public int? HangAfterChunks { get; init; }

    /// <summary>Answer 200 with a body that is not valid JSON.</summary>
    public bool Malformed { get; init; }

    /// <summary>
    /// Answer with these JSON documents as sent: a plain request gets the first one as its body, a stream gets each as
    /// a <c>data:</c> event, then <c>[DONE]</c>. For wire details the typed answers cannot show (nulls, empty choices).
    /// </summary>
    public IReadOnlyList<string>? RawAnswer { get; init; }

    /// <summary>The answer's text; default: a greeting naming the model.</summary>
    public string? Content { get; init; }

    /// <summary>SSE framing variations, to exercise client parsers over real HTTP.</summary>
    public bool UseCrlf { get; init; }
    public bool SplitWrites { get; init; }
    public bool MultiLineData { get; init; }

    /// <summary>End the stream with <c>data: [DONE]</c> and one line end, no blank line: an event the SSE rules discard.</summary>
    public bool UnterminatedDone { get; init; }

    /// <summary>Send <c>: OPENROUTER PROCESSING</c> comment lines while waiting (streaming).</summary>
    public bool ProcessingComments { get; init; } = true;

    /// <summary>While waiting <see cref="LatencyMs"/> on a stream, repeat the comment this often (0: once, at the start).</summary>
    public int CommentEveryMs { get; init; }

    public static FakeBehavior Ok { get; } = new();
}
