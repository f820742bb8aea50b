using System.Diagnostics;
using System.Net;

namespace Router.Bench;

/// <summary>Latency samples in milliseconds, with percentiles.</summary>
public sealed class Samples(List<double> values, int errors, TimeSpan elapsed)
{
    public int Count => values.Count;
    public int Errors => errors;
    public double Throughput => values.Count / elapsed.TotalSeconds;

    public double Percentile(double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>An HTTP load generator: closed loop (as fast as it goes) or open loop (a fixed arrival rate).</summary>
public sealed class Load(HttpClient http)
{
    public static HttpClient NewClient(int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseProxy = false,
    }) { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<TimeSpan> OnceAsync(string url, byte[] body)
    {
        var watch = Stopwatch.StartNew();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await http.PostAsync(url, content);
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
        return watch.Elapsed;
    }

    /// <summary><paramref name="workers"/> loops sending back to back for <paramref name="duration"/>.</summary>
    public async Task<Samples> ClosedLoopAsync(string url, byte[] body, int workers, TimeSpan duration)
    {
        var lists = new List<double>[workers];
        var errors = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            var list = lists[w] = new List<double>(100_000);
            while (watch.Elapsed < duration)
            {
                try { list.Add((await OnceAsync(url, body)).TotalMilliseconds); }
                catch (HttpRequestException) { Interlocked.Increment(ref errors); }
            }
        }));
        return new Samples(lists.SelectMany(l => l).ToList(), errors, watch.Elapsed);
    }

    /// <summary>
    /// Requests started at a steady <paramref name="rate"/> per second, whatever the answers do. A dedicated thread
    /// sends each at its time and sleeps in between; handing each to a thread-pool task instead measured the load
    /// generator's own delay (about half a millisecond here) into every request.
    /// </summary>
    public async Task<Samples> OpenLoopAsync(string url, byte[] body, double rate, TimeSpan duration)
    {
        var results = new List<double>();
        var errors = 0;
        var pending = new List<Task>();
        var paced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pacer = new Thread(() =>
        {
            var watch = Stopwatch.StartNew();
            for (long started = 0; watch.Elapsed < duration;)
            {
                for (var due = (long)(watch.Elapsed.TotalSeconds * rate) + 1; started < due; started++)
                    pending.Add(MeasureAsync());
                var wait = TimeSpan.FromSeconds(started / rate) - watch.Elapsed;
                if (wait > TimeSpan.Zero) Pause.For(wait);
            }
            paced.SetResult();
        }) { IsBackground = true, Name = "open-loop pacer" };
        pacer.Start();
        await paced.Task;
        await Task.WhenAll(pending);
        return new Samples(results, errors, duration);

        async Task MeasureAsync()
        {
            try
            {
                var latency = await OnceAsync(url, body);
                lock (results) results.Add(latency.TotalMilliseconds);
            }
            catch (HttpRequestException) { Interlocked.Increment(ref errors); }
        }
    }

    /// <summary>Time to the first SSE content event of a streamed completion.</summary>
    public async Task<double> TimeToFirstTokenAsync(string url, byte[] body)
    {
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        double? first = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (first is null && line.StartsWith("data: {", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal)
                && !line.Contains("\"content\":\"\"", StringComparison.Ordinal))
                first = watch.Elapsed.TotalMilliseconds;
            if (line == "data: [DONE]") break;
        }
        return first ?? throw new InvalidOperationException("no content token");
    }

    /// <summary>
    /// A streamed completion read to its end: when its first content event arrived (a <see cref="Stopwatch"/>
    /// timestamp, comparable across requests), its <c>X-Router-Cache</c> answer, and whether it ended with <c>[DONE]</c>.
    /// </summary>
    public async Task<(long FirstToken, string? Cache, bool Done)> StreamAsync(string url, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var cache = response.Headers.TryGetValues("X-Router-Cache", out var values) ? values.Single() : null;
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        long first = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (first == 0 && line.StartsWith("data: {", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal)
                && !line.Contains("\"content\":\"\"", StringComparison.Ordinal))
                first = Stopwatch.GetTimestamp();
            if (line == "data: [DONE]") return (first, cache, true);
        }
        return (first, cache, false);
    }
}
