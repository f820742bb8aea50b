namespace Router.Actors.Models;

/// <summary>An exponentially weighted moving average, one sample at a time.</summary>
public static class Ewma
{
    /// <summary>The average after <paramref name="sample"/>: the sample itself when there was none, unchanged without a sample.</summary>
    public static double? Next(double? average, double? sample, double alpha) => (average, sample) switch
    {
        (_, null) => average,
        (null, { } first) => first,
        ({ } avg, { } value) => avg + alpha * (value - avg),
    };
}
