using System.Diagnostics;

namespace Router.Bench;

/// <summary>Polling until a process answers, and the median: what every benchmark mode needs.</summary>
public static class Waits
{
    /// <summary>Polls <paramref name="condition"/> (a refused connection counts as not yet) until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null, string failure = "condition not met")
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            try { if (await condition()) return; }
            catch (HttpRequestException) { }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
        throw new TimeoutException(failure);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
