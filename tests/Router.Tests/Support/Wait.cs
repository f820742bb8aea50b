using System.Diagnostics;

namespace Router.Tests.Support;

public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms; fails the test if it is not met in time.</summary>
    public static async Task UntilAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.ElapsedMilliseconds > timeoutMs) Assert.Fail("condition not met in time");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls an asynchronous <paramref name="condition"/> every 20 ms; fails the test if it is not met in time.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, int timeoutMs = 5000)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.ElapsedMilliseconds > timeoutMs) Assert.Fail("condition not met in time");
            await Task.Delay(20);
        }
    }
}
