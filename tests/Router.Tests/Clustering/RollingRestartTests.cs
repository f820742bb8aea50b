using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Clustering;

/// <summary>
/// A deploy that restarts every node in turn (three router nodes, two fronts, on PostgreSQL) under steady plain and
/// streaming load through both fronts: no request fails. CI runs one rollout with 6 clients; scripts/rolling-restart.sh
/// runs the full form (ROLLOUT_ROUNDS rollouts, ROLLOUT_CLIENTS clients) and prints the figures.
/// </summary>
[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class RollingRestartTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly string[] Models = ["t/a", "t/b", "t/c", "t/d", "t/e", "t/f"];
    private static readonly string[] Roles = ["router", "router", "router", "front", "front"];

    [Fact]
    public async Task Restarting_every_node_in_turn_under_load_fails_no_request()
    {
        await using var cluster = await ClusterHarness.StartDiscoveredAsync(postgres, Roles.Length, Models,
            new Dictionary<string, string> { ["ROUTER_SHUTDOWN_DELAY"] = "1", ["OPENROUTER_TIMEOUT"] = "10" }, Roles);
        foreach (var model in Models)
            cluster.Fake.Script.Set(model, new FakeBehavior { Content = "one two three four five six seven eight", TokensPerSecond = 40 });
        var fronts = Enumerable.Range(0, Roles.Length).Where(i => Roles[i] == "front").Select(i => cluster.Nodes[i].Url).ToList();
        await using var balancer = new FrontBalancer(fronts);

        using var stop = new CancellationTokenSource();
        var results = new System.Collections.Concurrent.ConcurrentBag<(bool Ok, double Ms, string What)>();
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("ROLLOUT_ROUNDS"), out var r) ? r : 1;
        var clients = int.TryParse(Environment.GetEnvironmentVariable("ROLLOUT_CLIENTS"), out var c) ? c : 6;
        var workers = Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var stream = (w + i) % 2 == 0;
                var model = Models[(w * 7 + i) % Models.Length];
                var watch = Stopwatch.StartNew();
                var (ok, what) = await OnceAsync(balancer, model, stream);
                results.Add((ok, watch.Elapsed.TotalMilliseconds, what));
            }
        })).ToList();

        await Wait.UntilAsync(() => results.Count >= 50, 30_000); // steady before the deploy
        var before = results.Count;
        var rollout = Stopwatch.StartNew();
        for (var round = 1; round <= rounds; round++)
            for (var index = 0; index < Roles.Length; index++)
            {
                await cluster.RestartAsync(index, TimeSpan.FromSeconds(60));
                output.WriteLine($"{rollout.Elapsed.TotalSeconds:0.0} s: rollout {round}, node {index + 1} ({Roles[index]}) restarted and ready");
            }
        var during = results.Count - before;
        await Wait.UntilAsync(() => results.Count >= before + during + 20, 30_000); // and steady after
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var all = results.ToList();
        var latencies = all.Select(r => r.Ms).Order().ToList();
        output.WriteLine($"requests {all.Count} ({during} during {rounds} rollout(s) of {rollout.Elapsed.TotalSeconds:0} s, {clients} clients), failed {all.Count(x => !x.Ok)}, " +
                         $"resent by the balancer {balancer.Resent}, p50 {latencies[latencies.Count / 2]:0} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:0} ms, max {latencies[^1]:0} ms");
        Assert.Empty(all.Where(r => !r.Ok).Select(r => r.What).Take(5));
        Assert.True(during >= 100, $"only {during} requests during the rollout");
    }

    /// <summary>One request; a plain answer must be a 200 with content, a stream must carry tokens and end with [DONE] and no error event.</summary>
    private static async Task<(bool Ok, string What)> OnceAsync(FrontBalancer balancer, string model, bool stream)
    {
        try
        {
            using var response = await balancer.SendAsync(front => new HttpRequestMessage(HttpMethod.Post, front + "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model, stream, messages = new[] { new { role = "user", content = "hello" } } }),
            }, HttpCompletionOption.ResponseHeadersRead);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK) return (false, $"{(int)response.StatusCode} {body}");
            if (!stream)
                return JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() is { Length: > 0 }
                    ? (true, "") : (false, "empty answer");
            var events = body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
            if (events.Any(e => e.Contains("\"error\""))) return (false, "error event: " + events.First(e => e.Contains("\"error\"")));
            return events.Count > 2 && events[^1] == "[DONE]" ? (true, "") : (false, "stream without [DONE]: " + body[..Math.Min(200, body.Length)]);
        }
        catch (Exception e)
        {
            return (false, e.GetType().Name + ": " + e.Message);
        }
    }
}
