using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Clustering;

[Trait("Category", "System")]
[Collection(PostgresCollection.Name)]
public class ClusterFailoverTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly string[] Models = Enumerable.Range(1, 24).Select(i => $"f/m{i:00}").ToArray();

    private sealed record Outcome(string Node, DateTime Started, DateTime Ended, HttpStatusCode? Status, string? Failure);

    /// <summary>
    /// With the settings a user gets (upstream timeout 60 s and 3 tries, default failure detection and downing): a
    /// request whose model actor was on the dead node must not wait out those minutes.
    /// </summary>
    [Fact]
    public async Task Killing_a_node_under_load_fails_only_its_in_flight_requests_and_its_circuits_come_back_elsewhere()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, 3, Models, new Dictionary<string, string>
        {
            ["ROUTER_CIRCUIT_THRESHOLD"] = "3",
            ["ROUTER_CIRCUIT_OPEN_SECONDS"] = "600",
            ["ROUTER_MAX_ATTEMPTS"] = "10",
            ["OPENROUTER_TIMEOUT"] = "60",
            ["OPENROUTER_RETRY_ATTEMPTS"] = "3",
            ["ROUTER_AKKA_HOCON"] = "",
        });
        cluster.Fake.Script.Default = new FakeBehavior { LatencyMs = 100 };
        var (first, second, victim) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };

        async Task<JsonElement> HealthAsync(NodeProcess via, string model) =>
            await http.GetFromJsonAsync<JsonElement>(via.Url + "/router/models/" + model);

        // A model whose actor lives on the victim, with its circuit opened (persisted in PostgreSQL). A region that
        // registers with the shard coordinator after the first allocations gets shards by rebalancing, within seconds.
        string? doomed = null;
        var placing = Stopwatch.StartNew();
        while (doomed is null && placing.Elapsed < TimeSpan.FromSeconds(90))
        {
            foreach (var model in Models)
            {
                try
                {
                    if ((await HealthAsync(first, model)).GetProperty("node").GetString() == victim.Address) { doomed = model; break; }
                }
                catch (HttpRequestException) { } // its actor is being handed over
            }
            if (doomed is null) await Task.Delay(1000);
        }
        Assert.NotNull(doomed);
        cluster.Fake.Script.Set(doomed, new FakeBehavior { StatusCode = 500 });
        for (var i = 0; i < 3; i++)
            await http.PostAsJsonAsync(first.Url + "/v1/chat/completions", new { model = doomed, messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal("open", (await HealthAsync(first, doomed)).GetProperty("circuit").GetString());
        var doomedCalls = cluster.Fake.Script.CallsTo(doomed);
        Assert.Equal(3 * 3, doomedCalls); // three requests, three tries each (OPENROUTER_RETRY_ATTEMPTS)

        // Load through all three fronts; then SIGKILL the victim.
        var outcomes = new ConcurrentBag<Outcome>();
        using var stop = new CancellationTokenSource();
        var load = new[] { first, first, second, second, victim, victim }.Select((node, w) => Task.Run(async () =>
        {
            for (var i = w; !stop.IsCancellationRequested; i += 6)
            {
                if (node == victim && victim.HasExited) break;
                var started = DateTime.UtcNow;
                try
                {
                    var response = await http.PostAsJsonAsync(node.Url + "/v1/chat/completions",
                        new { model = Models[i % Models.Length], messages = new[] { new { role = "user", content = "load" } } });
                    outcomes.Add(new Outcome(node.Name, started, DateTime.UtcNow, response.StatusCode, null));
                }
                catch (HttpRequestException e)
                {
                    outcomes.Add(new Outcome(node.Name, started, DateTime.UtcNow, null, e.Message));
                    break; // like a load balancer, stop sending to a node that failed
                }
            }
        })).ToArray();

        await Task.Delay(2000);
        var killedAt = DateTime.UtcNow;
        victim.Kill();
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var exitedAt = DateTime.UtcNow; // on a busy machine the process may take a while to die: requests sent meanwhile fail too

        // The doomed model's actor restarts on a survivor and recovers its open circuit from PostgreSQL.
        // Meanwhile its health is asked for: while its actor cannot answer, a 503 in OpenAI's error shape within the
        // endpoint's 5 s, not a hang and not an error in the log.
        var watch = Stopwatch.StartNew();
        JsonElement? moved = null;
        var unanswered = new List<(HttpStatusCode Status, string? Code, TimeSpan Took)>();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            var asked = Stopwatch.StartNew();
            using var response = await http.GetAsync(second.Url + "/router/models/" + doomed);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.IsSuccessStatusCode)
            {
                if (body.GetProperty("node").GetString() != victim.Address) { moved = body; break; }
            }
            else
            {
                unanswered.Add((response.StatusCode, body.GetProperty("error").GetProperty("code").GetString(), asked.Elapsed));
            }
            await Task.Delay(500);
        }
        output.WriteLine($"health asked while the actor moved: {unanswered.Count} unanswered, slowest {unanswered.Select(u => u.Took).DefaultIfEmpty().Max()}");
        Assert.All(unanswered, u => Assert.Equal((HttpStatusCode.ServiceUnavailable, "model_actor_unreachable"), (u.Status, u.Code)));
        Assert.All(unanswered, u => Assert.InRange(u.Took.TotalSeconds, 0, 15));
        Assert.DoesNotContain(second.Output, l => l.Contains("AskTimeoutException"));
        await Task.Delay(3000); // some load after the move too
        await stop.CancelAsync();
        await Task.WhenAll(load);

        output.WriteLine($"moved after {watch.Elapsed}; {outcomes.Count} requests");
        var afterKill = outcomes.Where(o => o.Node != victim.Name && o.Ended > killedAt).Select(o => (o.Ended - o.Started).TotalSeconds).Order().ToList();
        output.WriteLine($"survivors' requests ending after the kill: {afterKill.Count}, latency p50 {afterKill[afterKill.Count / 2]:0.000} s, " +
                         $"p99 {afterKill[afterKill.Count * 99 / 100]:0.000} s, max {afterKill[^1]:0.000} s");
        foreach (var group in outcomes.GroupBy(o => (o.Node, o.Status, o.Failure is null)))
            output.WriteLine($"{group.Key}: {group.Count()}");

        Assert.NotNull(moved);
        Assert.Equal("open", moved.Value.GetProperty("circuit").GetString());
        Assert.Contains(moved.Value.GetProperty("node").GetString(), new[] { first.Address, second.Address });

        var survivors = outcomes.Where(o => o.Node != victim.Name).ToList();
        Assert.True(survivors.Count > 20);
        Assert.All(survivors, o => Assert.Equal(HttpStatusCode.OK, o.Status)); // fallback covered the lost attempts
        // A lost attempt is given up after 3 s of silence (not 60 s x 3 tries); generous for a busy machine.
        Assert.InRange(afterKill[^1], 0, 10);

        var onVictim = outcomes.Where(o => o.Node == victim.Name).ToList();
        Assert.All(onVictim.Where(o => o.Ended < killedAt), o => Assert.Equal(HttpStatusCode.OK, o.Status));
        var failed = onVictim.Where(o => o.Status != HttpStatusCode.OK).ToList();
        Assert.All(failed, o => Assert.True(o.Ended >= killedAt && o.Started <= exitedAt, "only requests in flight while the node died fail"));
        Assert.InRange(failed.Count, 0, 2); // two workers, each stops at its first failure
        Assert.Equal(doomedCalls, cluster.Fake.Script.CallsTo(doomed)); // the open circuit was never called again, on any node
    }

    [Fact]
    public async Task The_catalog_singleton_moves_when_its_node_dies()
    {
        // The oldest node hosts the catalog singleton; SIGKILL it and a survivor must take the catalog over. Three
        // nodes: with two, keep-majority may down the survivor (equal halves keep the lowest address).
        await using var cluster = await ClusterHarness.StartAsync(postgres, 3, Models);
        var (oldest, survivor) = (cluster.Nodes[0], cluster.Nodes[1]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        oldest.Kill();
        await oldest.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var killedAt = DateTimeOffset.UtcNow;

        // A refresh is answered by the singleton (202 started, or 429 too soon after the last fetch) once it runs again.
        var refreshed = false;
        var watch = Stopwatch.StartNew();
        while (!refreshed && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            using var response = await http.PostAsync(survivor.Url + "/router/catalog/refresh", null);
            if (response.StatusCode == HttpStatusCode.Accepted)
                refreshed = true;
            else
                await Task.Delay(500);
        }
        Assert.True(refreshed, "no catalog singleton answered a refresh on the survivor");
        await Wait.UntilAsync(() =>
        {
            var catalog = http.GetFromJsonAsync<JsonElement>(survivor.Url + "/router/catalog").GetAwaiter().GetResult();
            return catalog.GetProperty("fetched_at").GetDateTimeOffset() > killedAt;
        }, 30_000);
        var answer = await http.PostAsJsonAsync(survivor.Url + "/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }
}
