namespace Router.Actors.Models;

/// <summary>
/// What one answered call measured: its latency (a stream's is its time to first token), its time to first token when
/// it streamed, and its completion tokens per second after the first token (the whole call for plain answers).
/// </summary>
public readonly record struct CallSpeed(double LatencyMs, double? FirstTokenMs = null, double? TokensPerSecond = null)
{
    /// <param name="totalMs">The whole call, to its last byte.</param>
    /// <param name="firstTokenMs">When the first content arrived, for streams.</param>
    /// <param name="completionTokens">The answer's completion tokens, from its usage when it had one.</param>
    public static CallSpeed Of(double totalMs, double? firstTokenMs, int? completionTokens)
    {
        // A floor of a millisecond: an answer that arrives in one burst has no meaningful rate, only a large one.
        var generatingMs = Math.Max(totalMs - (firstTokenMs ?? 0), 1);
        var tokensPerSecond = completionTokens is > 0 and var tokens ? tokens * 1000.0 / generatingMs : (double?)null;
        return new CallSpeed(firstTokenMs ?? totalMs, firstTokenMs, tokensPerSecond);
    }
}
