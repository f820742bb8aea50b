using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Node.Hosting;
using Router.Node.TestModels;
using Router.Tests.Support;
using Spectre.Console;

namespace Router.Tests.TestModels;

/// <summary>The test-models command end to end: an embedded node, the fake with a mixed catalog, real files.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class TestModelsCommandTests : IAsyncLifetime
{
    private static readonly string[] Ids = ["mix/ok-1", "mix/ok-2", "mix/slow", "mix/limited-once", "mix/limited", "mix/credits", "mix/gone", "mix/hangs", "mix/ok-3"];
    private FakeOpenRouterServer _fake = null!;
    private readonly string _dir = TestNodes.TempDir();
    private readonly StringWriter _console = new();

    public async Task InitializeAsync()
    {
        _fake = await FakeOpenRouterServer.StartAsync(new FakeOpenRouterOptions
        {
            Models = Ids.Select((id, i) => SyntheticCatalog.Model(id, 1000 + i)).ToList(),
            Behaviors = new Dictionary<string, FakeBehavior>
            {
                ["mix/slow"] = new() { LatencyMs = 600 },
                ["mix/limited-once"] = new() { StatusCode = 429, RetryAfterSeconds = 1, FailTimes = 1 },
                ["mix/limited"] = new() { StatusCode = 429, RetryAfterSeconds = 1 },
                ["mix/credits"] = new() { StatusCode = 402 },
                ["mix/gone"] = new() { StatusCode = 404 },
                ["mix/hangs"] = new() { Hang = true },
            },
        });
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<int> RunAsync(TestModelsOptions options, CancellationToken ct = default)
    {
        var settings = TestNodes.Settings(_fake, Path.Combine(_dir, "data")) with
        {
            OpenRouter = Fakes.ClientOptions(_fake) with { RetryAttempts = 1, Timeout = TimeSpan.FromSeconds(2.5) },
        };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(_console), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        return TestModelsCommand.ExecuteAsync(settings, options with { OutputDirectory = _dir, Delay = options.Delay ?? TimeSpan.Zero }, console, ct,
            new RouterNodeOptions { HealthPolicy = TestNodes.FastPolicy });
    }

    private JsonElement Report() => JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, ModelTestOutput.ReportFileName))).RootElement;

    private static JsonElement Result(JsonElement report, string id) =>
        report.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);

    [Fact]
    public async Task Tests_every_model_and_writes_report_log_and_summary()
    {
        var exit = await RunAsync(new TestModelsOptions { Concurrency = 3, MaxRetries = 1, MaxBackoff = TimeSpan.FromSeconds(2) });
        Assert.Equal(0, exit);

        var report = Report();
        Assert.True(report.GetProperty("finished").GetBoolean());
        var summary = report.GetProperty("summary");
        Assert.Equal(9, summary.GetProperty("total").GetInt32());
        Assert.Equal(5, summary.GetProperty("successful").GetInt32()); // ok-1..3, slow, limited-once (after waiting)
        Assert.Equal(4, summary.GetProperty("failed").GetInt32());
        Assert.Equal(0.5556, summary.GetProperty("success_rate").GetDouble());
        Assert.Equal(5, summary.GetProperty("fastest").GetArrayLength());

        var ok = Result(report, "mix/ok-1");
        Assert.True(ok.GetProperty("ok").GetBoolean(), ok.ToString());
        Assert.True(ok.GetProperty("latency_ms").GetDouble() > 0);
        Assert.True(ok.GetProperty("total_tokens").GetInt32() > 0);
        Assert.Equal("Synthetic: ok-1", ok.GetProperty("name").GetString());
        Assert.True(ok.TryGetProperty("timestamp", out _));
        var slow = Result(report, "mix/slow");
        Assert.True(slow.GetProperty("ok").GetBoolean(), slow.ToString());
        Assert.True(slow.GetProperty("latency_ms").GetDouble() >= 590); // timers fire at millisecond granularity
        // Streamed: the time to first token and the rate after it, as the model actor measured them too.
        Assert.True(slow.GetProperty("first_token_ms").GetDouble() >= 590);
        Assert.True(ok.GetProperty("first_token_ms").GetDouble() < slow.GetProperty("first_token_ms").GetDouble());
        Assert.True(ok.GetProperty("tokens_per_second").GetDouble() > 0);

        var recovered = Result(report, "mix/limited-once");
        Assert.True(recovered.GetProperty("ok").GetBoolean());
        Assert.Equal(2, recovered.GetProperty("tries").GetInt32());

        void Failed(string id, string reason, int? status)
        {
            var r = Result(report, id);
            Assert.False(r.GetProperty("ok").GetBoolean());
            Assert.Equal(reason, r.GetProperty("reason").GetString());
            if (status is { } s) Assert.Equal(s, r.GetProperty("status_code").GetInt32());
        }
        Failed("mix/limited", "rate limited", 429);
        Failed("mix/credits", "requires credits", 402);
        Failed("mix/gone", "not found", 404);
        Failed("mix/hangs", "timeout", null);
        Assert.Equal(0, _fake.Script.CallsTo("mix/ok-3") - 1); // strict: each model exactly once, no fallback
        Assert.Equal(1, _fake.Script.CallsTo("mix/credits"));

        var log = File.ReadAllText(Path.Combine(_dir, ModelTestOutput.LogFileName));
        Assert.Contains("[OK]   mix/ok-1", log);
        Assert.Contains("[FAIL] mix/credits reason=\"requires credits\" status=402", log);

        var text = _console.ToString();
        Assert.Contains("Total models tested: 9", text);
        Assert.Contains("Successful: 5", text);
        Assert.Contains("Failed: 4", text);
        Assert.Contains("Success rate: 55.6%", text);
        Assert.Contains("Top 5 fastest:", text);
        Assert.Contains("mix/credits: requires credits (402)", text);
        Assert.Contains("Latency distribution", text);
    }

    [Fact]
    public async Task A_model_id_outside_the_catalog_is_reported_as_the_callers_error_without_a_call()
    {
        Assert.Equal(0, await RunAsync(new TestModelsOptions { Models = ["mix/ok-1", "made/up"] }));
        var unknown = Result(Report(), "made/up");
        Assert.False(unknown.GetProperty("ok").GetBoolean());
        Assert.Equal("not found", unknown.GetProperty("reason").GetString());
        Assert.Equal(400, unknown.GetProperty("status_code").GetInt32()); // as OpenRouter answers an invalid model id
        Assert.Equal(0, _fake.Script.CallsTo("made/up"));
    }

    [Fact]
    public async Task An_interrupted_run_writes_a_partial_report_and_resume_finishes_without_retesting()
    {
        var ok = new[] { "mix/ok-1", "mix/ok-2", "mix/ok-3", "mix/slow", "mix/credits" };
        using var cts = new CancellationTokenSource();
        var run = RunAsync(new TestModelsOptions { Models = ok, Delay = TimeSpan.FromMilliseconds(400) }, cts.Token);
        await Wait.UntilAsync(() => _fake.Script.TotalCalls >= 2, 20000);
        await cts.CancelAsync();
        Assert.Equal(130, await run);

        var partial = Report();
        Assert.True(partial.GetProperty("interrupted").GetBoolean());
        var tested = partial.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.InRange(tested.Count, 1, 4);
        Assert.Contains("partial summary", _console.ToString(), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(0, await RunAsync(new TestModelsOptions { Models = ok, Resume = true }));
        var final = Report();
        Assert.True(final.GetProperty("finished").GetBoolean());
        Assert.Equal(5, final.GetProperty("summary").GetProperty("total").GetInt32());
        // Finished models are not tested again (one interrupted mid-call has no result, so it is retested).
        Assert.All(tested, id => Assert.Equal(1, _fake.Script.CallsTo(id)));
        Assert.All(ok, id => Assert.InRange(_fake.Script.CallsTo(id), 1, 2));
        Assert.Contains("Run resumed", File.ReadAllText(Path.Combine(_dir, ModelTestOutput.LogFileName)));
        Assert.Contains("already tested", System.Text.RegularExpressions.Regex.Replace(_console.ToString(), @"\s+", " "));
        Assert.Contains("(the rest of 5)", System.Text.RegularExpressions.Regex.Replace(_console.ToString(), @"\s+", " "));

        // Resuming a finished run tests nothing, and says so.
        var calls = _fake.Script.TotalCalls;
        _console.GetStringBuilder().Clear();
        Assert.Equal(0, await RunAsync(new TestModelsOptions { Models = ok[..2], Resume = true }));
        Assert.Equal(calls, _fake.Script.TotalCalls);
        var said = System.Text.RegularExpressions.Regex.Replace(_console.ToString(), @"\s+", " "); // the console wraps lines
        Assert.Contains("Nothing left to test", said);
        Assert.Contains("2 of the 2 selected models already tested", said);
    }

    [Fact]
    public async Task Results_feed_the_model_actors_statistics()
    {
        await RunAsync(new TestModelsOptions { Models = ["mix/ok-1", "mix/ok-1"] });
        // The node is gone; a new one on the same data sees the statistics the test run left.
        var settings = TestNodes.Settings(_fake, Path.Combine(_dir, "data"));
        await using var node = await TestNodes.StartAsync(settings);
        using var http = new HttpClient();
        var health = JsonDocument.Parse(await http.GetStringAsync(node.Url + "/router/models/mix/ok-1")).RootElement;
        Assert.Equal(1, health.GetProperty("successes").GetInt64());
        Assert.True(health.GetProperty("latency_ewma_ms").GetDouble() > 0);
    }
}
