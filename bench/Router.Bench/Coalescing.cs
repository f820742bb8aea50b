using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Router.Bench;

/// <summary>
/// 1,000 identical streaming requests sent while the first is thinking (1 s): all share its one upstream stream. Each
/// follower's first token is compared with the leader's, all read by this one client process.
/// </summary>
public static class Coalescing
{
    /// <param name="BehindP50">Followers' first token after the leader's, median (negative: before it).</param>
    /// <param name="SpreadP50">Every stream's first token after the earliest one, median: what fanning out to 1,000 costs.</param>
    public sealed record Result(int UpstreamCalls, int Done, int Coalesced, double BehindP50, double BehindP99, double SpreadP50, double SpreadMax);

    public static async Task<Result> RunAsync(HttpClient http, string fakeBase, string chatUrl, string model, int streams = 1000)
    {
        (await http.PutAsJsonAsync(fakeBase + "/_fake/behaviors/" + model, new { latencyMs = 1000, tokensPerSecond = 200 })).EnsureSuccessStatusCode();
        var question = "One answer for all " + Guid.NewGuid().ToString("N"); // a new answer each run, not a stored one
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { model, temperature = 0, stream = true, messages = new[] { new { role = "user", content = question } } }));
        async Task<int> CallsAsync() =>
            (await http.GetFromJsonAsync<JsonElement>(fakeBase + "/_fake/calls")).GetProperty("by_model").TryGetProperty(model, out var n) ? n.GetInt32() : 0;

        var before = await CallsAsync();
        using var client = Load.NewClient(streams);
        var load = new Load(client);
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => load.StreamAsync(chatUrl, body)));
        var calls = await CallsAsync() - before;
        var leader = results.Where(r => r.Cache == "MISS").ToList();
        var behind = leader.Count != 1
            ? [double.NaN]
            : results.Where(r => r.Cache != "MISS").Select(r => Stopwatch.GetElapsedTime(leader[0].FirstToken, r.FirstToken).TotalMilliseconds).Order().ToList();
        var earliest = results.Min(r => r.FirstToken);
        var spread = results.Select(r => Stopwatch.GetElapsedTime(earliest, r.FirstToken).TotalMilliseconds).Order().ToList();
        return new Result(calls, results.Count(r => r.Done), results.Count(r => r.Cache == "COALESCED"),
            behind[behind.Count / 2], behind[behind.Count * 99 / 100], spread[spread.Count / 2], spread[^1]);
    }
}

/// <summary><c>bench/run.sh coalesce [rounds]</c>: only the coalescing round, against a fake and one caching node.</summary>
public static class CoalescingOnly
{
    public static async Task<int> RunAsync(int rounds)
    {
        var root = ChildProcess.Root;
        var fakePort = ChildProcess.FreePort();
        var nodePort = ChildProcess.FreePort();
        var workDir = Directory.CreateTempSubdirectory("router-bench-").FullName;
        using var fake = ChildProcess.Start(Path.Combine(root, "src/Router.FakeOpenRouter/bin/Release/net10.0/Router.FakeOpenRouter.dll"),
            ["--port", fakePort.ToString(), "--models", "10", "--api-key", "bench-key"]);
        var fakeBase = $"http://127.0.0.1:{fakePort}";
        using var node = ChildProcess.Start(Path.Combine(root, "src/Router.Node/bin/Release/net10.0/Router.Node.dll"), [], new Dictionary<string, string>
        {
            ["OPENROUTER_API_KEY"] = "bench-key", ["OPENROUTER_BASE_URL"] = fakeBase + "/api/v1", ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{nodePort}",
            ["ROUTER_PORT"] = ChildProcess.FreePort().ToString(), ["ROUTER_DATA_DIR"] = Path.Combine(workDir, "data"), ["ROUTER_CACHE_TTL"] = "3600",
            ["Logging__LogLevel__Default"] = "Warning", ["ROUTER_AKKA_HOCON"] = "akka.loglevel = WARNING",
        }, workDir);
        using var http = Load.NewClient(8);
        var models = $"http://127.0.0.1:{nodePort}/v1/models";
        var watch = Stopwatch.StartNew();
        string? model = null;
        while (model is null && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try { model = (await http.GetFromJsonAsync<JsonElement>(models)).GetProperty("data")[0].GetProperty("id").GetString(); }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException) { await Task.Delay(100); }
        }
        for (var round = 0; round < rounds; round++)
        {
            var r = await Coalescing.RunAsync(http, fakeBase, $"http://127.0.0.1:{nodePort}/v1/chat/completions", model!);
            Console.WriteLine($"  calls {r.UpstreamCalls}, done {r.Done}, coalesced {r.Coalesced}; follower behind leader p50 {r.BehindP50:0.00} / p99 {r.BehindP99:0.00} ms; " +
                              $"spread from the earliest p50 {r.SpreadP50:0.00} / max {r.SpreadMax:0.00} ms");
        }
        Directory.Delete(workDir, recursive: true);
        return 0;
    }
}
