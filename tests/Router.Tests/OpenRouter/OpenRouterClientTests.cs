using System.Diagnostics;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.OpenRouter;

/// <summary>The client against the fake OpenRouter over real loopback HTTP.</summary>
public class OpenRouterClientTests
{
    private const string Model = "test/alpha";

    private static async Task<OpenRouterException> FailsAsync(Func<Task> call) => await Assert.ThrowsAsync<OpenRouterException>(call);

    [Fact]
    public async Task Fetches_the_catalog()
    {
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var models = await client.GetModelsAsync();
        Assert.Equal(Fakes.ModelIds, models.Select(m => m.Id));
        Assert.Equal(8192, models[0].ContextLength);
        Assert.NotNull(models[0].Pricing?.Prompt);
    }

    [Fact]
    public async Task Completes_and_sends_auth_and_attribution_headers()
    {
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { SiteUrl = "https://example.test", AppName = "RouterTests" });
        var response = (await client.CompleteAsync(Fakes.Hello(Model))).Response;

        Assert.Equal(Model, response.Model);
        Assert.Contains("Hello, world!", response.Choices![0].Message!.ContentText);
        Assert.True(response.Usage!.CompletionTokens > 0);
        Assert.Equal("Bearer " + fake.ApiKey, fake.Script.LastHeaders["Authorization"]);
        Assert.Equal("https://example.test", fake.Script.LastHeaders["HTTP-Referer"]);
        Assert.Equal("RouterTests", fake.Script.LastHeaders["X-Title"]);
    }

    [Fact]
    public async Task A_wrong_key_is_unauthorized_and_not_retried()
    {
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { ApiKey = "sk-or-wrong" });
        var e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(UpstreamErrorKind.Unauthorized, e.Error.Kind);
        Assert.Equal(401, e.Error.StatusCode);
        Assert.Equal("User not found.", e.Error.Message);
        Assert.False(e.Error.ShouldFallback);
        Assert.DoesNotContain("sk-or-wrong", e.ToString());
    }

    [Theory]
    [InlineData(400, UpstreamErrorKind.BadRequest, false)]
    [InlineData(402, UpstreamErrorKind.PaymentRequired, false)]
    [InlineData(403, UpstreamErrorKind.Forbidden, false)]
    [InlineData(404, UpstreamErrorKind.ModelUnavailable, true)]
    public async Task Client_errors_fail_at_once_without_retry(int status, UpstreamErrorKind kind, bool fallback)
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = status }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(kind, e.Error.Kind);
        Assert.Equal(status, e.Error.StatusCode);
        Assert.Equal(fallback, e.Error.ShouldFallback);
        Assert.Equal(1, fake.Script.CallsTo(Model));
    }

    [Fact]
    public async Task An_unknown_model_is_unavailable_so_routing_can_fall_back()
    {
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello("nobody/nothing")));
        Assert.Equal(UpstreamErrorKind.ModelUnavailable, e.Error.Kind);
        Assert.True(e.Error.ShouldFallback);
    }

    [Theory]
    [InlineData(408, UpstreamErrorKind.Timeout)]
    [InlineData(500, UpstreamErrorKind.ServerError)]
    [InlineData(502, UpstreamErrorKind.ServerError)]
    [InlineData(503, UpstreamErrorKind.ServerError)]
    public async Task Transient_errors_are_retried_up_to_the_attempts_then_reported(int status, UpstreamErrorKind kind)
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = status }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { RetryAttempts = 3 });
        var e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(kind, e.Error.Kind);
        Assert.True(e.Error.ShouldFallback);
        Assert.Equal(3, fake.Script.CallsTo(Model));
    }

    [Fact]
    public async Task A_transient_error_that_passes_is_recovered_by_retry()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 502, FailTimes = 2 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var response = await client.CompleteAsync(Fakes.Hello(Model));
        Assert.Equal(Model, response.Model);
        Assert.Equal(3, fake.Script.CallsTo(Model));
    }

    /// <summary>
    /// Runs <paramref name="call"/> on an injected clock: each wait the client starts (per-attempt timeouts aside) is
    /// read, the clock is advanced by exactly that much, and the next call to the fake must follow. Answers the waits.
    /// </summary>
    private static async Task<List<TimeSpan>> WaitsOfAsync(FakeOpenRouterServer fake, OpenRouterClientOptions options, int waits, Func<OpenRouterClient, Task> call)
    {
        var time = new RecordingTimeProvider();
        using var client = new OpenRouterClient(options, time: time);
        var running = call(client);
        var seen = new List<TimeSpan>();
        for (var i = 0; i < waits; i++)
        {
            var wait = await time.NextTimerAsync(ignore: options.Timeout);
            seen.Add(wait);
            var calls = fake.Script.TotalCalls;
            Assert.Equal(i + 1, calls); // the retry waits for the clock
            time.Step(wait);
            await Wait.UntilAsync(() => fake.Script.TotalCalls > calls || running.IsCompleted, 10_000);
        }
        await running;
        Assert.False(time.HasUnreadTimer(ignore: options.Timeout), "the client waited more times than expected");
        return seen;
    }

    [Fact]
    public async Task Backoff_between_retries_is_exponential_jittered_and_bounded()
    {
        // Base 100 ms, jitter 25 %: random 0 gives the floor of the first wait (75 ms), 0.9 nearly the ceiling of the second.
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 503, FailTimes = 2 }));
        var samples = new Queue<double>([0.0, 0.9]);
        var options = Fakes.ClientOptions(fake) with
        {
            BackoffBase = TimeSpan.FromMilliseconds(100), BackoffMax = TimeSpan.FromSeconds(1), JitterSource = samples.Dequeue,
        };
        var waits = await WaitsOfAsync(fake, options, 2, client => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal([75.0, 240.0], waits.Select(w => Math.Round(w.TotalMilliseconds, 3)));
    }

    [Fact]
    public async Task Backoff_waits_are_capped_at_the_max()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 500, FailTimes = 4 }));
        var options = Fakes.ClientOptions(fake) with
        {
            RetryAttempts = 5, BackoffBase = TimeSpan.FromMilliseconds(100), BackoffMax = TimeSpan.FromMilliseconds(150), Jitter = 0,
        };
        var waits = await WaitsOfAsync(fake, options, 4, client => client.CompleteAsync(Fakes.Hello(Model)));
        // Uncapped they would be 100, 200, 400, 800 ms.
        Assert.Equal(new[] { 100, 150, 150, 150 }.Select(ms => TimeSpan.FromMilliseconds(ms)), waits);
    }

    [Fact]
    public async Task A_429_returns_at_once_with_its_retry_after_for_routing()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 17 }));
        var options = Fakes.ClientOptions(fake);
        OpenRouterException? e = null;
        await WaitsOfAsync(fake, options, 0, async client => e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model))));
        Assert.Equal(UpstreamErrorKind.RateLimited, e!.Error.Kind);
        Assert.True(e.Error.RateLimited);
        Assert.True(e.Error.ShouldFallback);
        Assert.Equal(TimeSpan.FromSeconds(17), e.Error.RetryAfter);
        Assert.Equal(1, fake.Script.CallsTo(Model));
    }

    [Fact]
    public async Task When_asked_429s_are_retried_after_the_servers_retry_after()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 1, FailTimes = 1 }));
        var options = Fakes.ClientOptions(fake) with { RetryRateLimited = true, BackoffMax = TimeSpan.FromSeconds(5) };
        var waits = await WaitsOfAsync(fake, options, 1, client => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal([TimeSpan.FromSeconds(1)], waits);
        Assert.Equal(2, fake.Script.CallsTo(Model));
    }

    [Fact]
    public async Task A_long_retry_after_is_capped_at_the_backoff_max()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 503, RetryAfterSeconds = 30, FailTimes = 1 }));
        var options = Fakes.ClientOptions(fake) with { BackoffMax = TimeSpan.FromMilliseconds(300) };
        var waits = await WaitsOfAsync(fake, options, 1, client => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal([TimeSpan.FromMilliseconds(300)], waits);
    }

    [Fact]
    public async Task A_hanging_model_times_out_per_attempt()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Hang = true }));
        var options = Fakes.ClientOptions(fake) with { Timeout = TimeSpan.FromSeconds(30), RetryAttempts = 2, Jitter = 0 };
        var time = new RecordingTimeProvider();
        using var client = new OpenRouterClient(options, time: time);
        var call = FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model)));
        // First attempt's timeout, the backoff, the second attempt's timeout: each fires only when the clock says so.
        Assert.Equal(options.Timeout, await time.NextTimerAsync());
        await Wait.UntilAsync(() => fake.Script.CallsTo(Model) == 1);
        time.Step(options.Timeout);
        Assert.Equal(options.BackoffBase, await time.NextTimerAsync());
        time.Step(options.BackoffBase);
        Assert.Equal(options.Timeout, await time.NextTimerAsync());
        await Wait.UntilAsync(() => fake.Script.CallsTo(Model) == 2);
        Assert.False(call.IsCompleted);
        time.Step(options.Timeout);
        var e = await call;
        Assert.Equal(UpstreamErrorKind.Timeout, e.Error.Kind);
        Assert.True(e.Error.ShouldFallback);
        Assert.Equal(2, fake.Script.CallsTo(Model));
    }

    [Fact]
    public async Task A_malformed_body_is_an_invalid_response()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Malformed = true }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(UpstreamErrorKind.InvalidResponse, e.Error.Kind);
        Assert.True(e.Error.ShouldFallback);
    }

    [Fact]
    public async Task Network_failures_are_classified_after_retries()
    {
        var port = TestNodes.FreePort();
        using var client = new OpenRouterClient(new OpenRouterClientOptions
        {
            BaseUrl = $"http://127.0.0.1:{port}/api/v1", ApiKey = "k", RetryAttempts = 2,
            BackoffBase = TimeSpan.FromMilliseconds(10), BackoffMax = TimeSpan.FromMilliseconds(20),
        });
        var e = await FailsAsync(() => client.GetModelsAsync());
        Assert.Equal(UpstreamErrorKind.Network, e.Error.Kind);
        Assert.True(e.Error.ShouldFallback);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_an_upstream_error()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Hang = true }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CompleteAsync(Fakes.Hello(Model), cts.Token));
        Assert.Equal(1, fake.Script.CallsTo(Model));
    }

    [Fact]
    public async Task Reads_the_key_info()
    {
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var key = await client.GetKeyInfoAsync();
        Assert.Equal(20, key.RateLimit!.Requests);
        Assert.Equal("10s", key.RateLimit.Interval);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
