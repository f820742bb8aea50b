using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Router.Bench;

/// <summary>
/// Time to fallback after a node dies: three Router nodes with the settings a user gets, loaded through two of them
/// with requests that each name a model whose actor lives on the third, which is then killed (SIGKILL).
/// </summary>
public static class NodeLoss
{
    private const string Key = "bench-key";

    private sealed record Outcome(TimeSpan Started, TimeSpan Ended, int Status, string? Model, string Requested);

    public static async Task<int> RunAsync(string fakeDll, string nodeDll, TimeSpan before, TimeSpan after)
    {
        var fakePort = ChildProcess.FreePort();
        var h2cPort = ChildProcess.FreePort();
        using var fake = ChildProcess.Start(fakeDll, ["--port", fakePort.ToString(), "--h2c-port", h2cPort.ToString(), "--models", "24", "--api-key", Key]);
        var workDir = Directory.CreateTempSubdirectory("router-node-loss-").FullName;
        var seedPort = ChildProcess.FreePort();
        var nodes = new List<(ChildProcess Process, string Url, string Address)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var akkaPort = i == 0 ? seedPort : ChildProcess.FreePort();
                var url = $"http://127.0.0.1:{ChildProcess.FreePort()}";
                nodes.Add((ChildProcess.Start(nodeDll, [], new Dictionary<string, string>
                {
                    ["OPENROUTER_API_KEY"] = Key,
                    ["OPENROUTER_BASE_URL"] = $"http://127.0.0.1:{h2cPort}/api/v1",
                    ["OPENROUTER_HTTP_VERSION"] = "2",
                    ["ASPNETCORE_URLS"] = url,
                    ["ROUTER_PORT"] = akkaPort.ToString(),
                    ["ROUTER_SEED_NODES"] = $"akka.tcp://router@127.0.0.1:{seedPort}",
                    ["ROUTER_DATA_DIR"] = Path.Combine(workDir, $"node-{i}"),
                    ["Logging__LogLevel__Default"] = "Warning",
                    ["ROUTER_AKKA_HOCON"] = "akka.loglevel = WARNING",
                }, workDir), url, $"akka.tcp://router@127.0.0.1:{akkaPort}"));
            }
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            foreach (var node in nodes)
                await Waits.UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>(node.Url + "/ready")).GetProperty("members_up").GetInt32() == 3,
                    TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200), "the nodes did not form a cluster of three");

            var (front1, front2, victim) = (nodes[0], nodes[1], nodes[2]);
            var ids = (await http.GetFromJsonAsync<JsonElement>(front1.Url + "/v1/models")).GetProperty("data").EnumerateArray()
                .Select(m => m.GetProperty("id").GetString()!).ToList();
            var doomed = new List<string>();
            foreach (var id in ids)
                if ((await http.GetFromJsonAsync<JsonElement>($"{front1.Url}/router/models/{id}")).GetProperty("node").GetString() == victim.Address)
                    doomed.Add(id);
            Console.WriteLine($"Node loss: 3 nodes, default timeouts and downing; {doomed.Count} of {ids.Count} models live on the node killed; " +
                              $"16 workers, every request naming one of them first");

            var clock = Stopwatch.StartNew();
            var outcomes = new System.Collections.Concurrent.ConcurrentBag<Outcome>();
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                var front = w % 2 == 0 ? front1 : front2;
                for (var i = w; !stop.IsCancellationRequested; i += 16)
                {
                    var requested = doomed[i % doomed.Count];
                    var body = JsonSerializer.Serialize(new { model = requested, messages = new[] { new { role = "user", content = "hi" } } });
                    var started = clock.Elapsed;
                    using var response = await http.PostAsync(front.Url + "/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
                    outcomes.Add(new Outcome(started, clock.Elapsed, (int)response.StatusCode,
                        response.Headers.TryGetValues("X-Router-Model", out var used) ? used.First() : null, requested));
                }
            })).ToArray();

            await Task.Delay(before);
            var killedAt = clock.Elapsed;
            victim.Process.Kill();
            await Task.Delay(after);
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            var earlier = Latencies(outcomes.Where(o => o.Ended < killedAt));
            var inFlight = outcomes.Where(o => o.Started < killedAt && o.Ended >= killedAt).ToList();
            var later = outcomes.Where(o => o.Started >= killedAt).ToList();
            var laterLatencies = Latencies(later);
            // The kill takes a moment to land: count from the first request that had to fall back.
            var firstFallback = later.Where(o => o.Model != o.Requested).Select(o => o.Started).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            var back = later.Where(o => o.Started > firstFallback && o.Status == 200 && o.Model == o.Requested)
                .Select(o => o.Started - killedAt).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            Console.WriteLine();
            Console.WriteLine($"  {"requests before the kill",-48} {earlier.Count} (latency p50 {Percentile(earlier, 50):0.000} s)");
            Console.WriteLine($"  {"requests in flight at the kill",-48} {inFlight.Count}, failed {inFlight.Count(o => o.Status != 200)}, slowest {Latencies(inFlight).LastOrDefault():0.000} s");
            Console.WriteLine($"  {"requests started after the kill",-48} {later.Count}, failed {later.Count(o => o.Status != 200)}");
            Console.WriteLine($"  {"their latency p50 / p99 / max",-48} {Percentile(laterLatencies, 50):0.000} / {Percentile(laterLatencies, 99):0.000} / {laterLatencies.LastOrDefault():0.000} s   (time to fallback; target <= 5 s)");
            Console.WriteLine($"  {"the dead node's models answer again from",-48} {(back == TimeSpan.MaxValue ? "not within the run" : $"{back.TotalSeconds:0.0} s after the kill")}   (their shards moved to a survivor)");
            var worst = Math.Max(laterLatencies.LastOrDefault(), Latencies(inFlight).LastOrDefault());
            return outcomes.Count(o => o.Ended >= killedAt && o.Status != 200) == 0 && worst <= 5 ? 0 : 1;
        }
        finally
        {
            foreach (var node in nodes) node.Process.Dispose();
            Directory.Delete(workDir, recursive: true);
        }
    }

    private static List<double> Latencies(IEnumerable<Outcome> outcomes) => outcomes.Select(o => (o.Ended - o.Started).TotalSeconds).Order().ToList();

    private static double Percentile(List<double> sorted, int p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, sorted.Count * p / 100)];
}
