using System.Diagnostics;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.OpenRouter;

/// <summary>The client against the fake OpenRouter over real loopback HTTP.</summary>
[Collection(TimingCollection.Name)] // the backoff tests time real waits
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

    [Fact]
    public async Task Backoff_between_retries_is_exponential_jittered_and_bounded()
    {
        // Base 100 ms, jitter 25 %: the first wait is in [75, 125] ms, the second in [150, 250] ms.
        await using var fake = await Fakes.StartAsync();
        var options = Fakes.ClientOptions(fake) with { BackoffBase = TimeSpan.FromMilliseconds(100), BackoffMax = TimeSpan.FromSeconds(1) };
        using var client = new OpenRouterClient(options);
        var first = new List<double>();
        var second = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var model = Fakes.ModelIds[i % 2];
            fake.Script.Reset();
            fake.Script.Set(model, new FakeBehavior { StatusCode = 503, FailTimes = 2 });
            await client.CompleteAsync(Fakes.Hello(model));
            var gaps = fake.Script.GapsBetweenCalls(model);
            Assert.Equal(2, gaps.Count);
            if (i == 0) continue; // the first run pays for JIT compilation of the failure path
            first.Add(gaps[0].TotalMilliseconds);
            second.Add(gaps[1].TotalMilliseconds);
        }
        // The gaps are timed by the fake, when its handler runs: a handler that starts late on a loaded machine shortens
        // the gap after it by as much (CI saw 71.9 ms for a 75 ms floor). So each wait is checked against its floor less
        // 10 ms (no backoff at all would be about 1 ms), and the medians of the four runs against floor and ceiling.
        const double slack = 60;
        Assert.All(first, ms => Assert.True(ms >= 65, $"first wait {ms} ms"));
        Assert.All(second, ms => Assert.True(ms >= 140, $"second wait {ms} ms"));
        Assert.InRange(Median(first), 70, 125 + slack);
        Assert.InRange(Median(second), 145, 250 + slack);
        Assert.True(first.Distinct().Count() > 1 && second.Distinct().Count() > 1, "jitter makes waits differ");
    }

    [Fact]
    public async Task Backoff_waits_are_capped_at_the_max()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 500, FailTimes = 4 }));
        var options = Fakes.ClientOptions(fake) with
        {
            RetryAttempts = 5, BackoffBase = TimeSpan.FromMilliseconds(100), BackoffMax = TimeSpan.FromMilliseconds(150), Jitter = 0,
        };
        using var client = new OpenRouterClient(options);
        await client.CompleteAsync(Fakes.Hello(Model));
        // Waits of 100, 150, 150, 150 ms; uncapped they would be 100, 200, 400, 800 ms. Timed by the fake, so a late
        // handler can shorten a gap by a few milliseconds (see the jitter test).
        var gaps = fake.Script.GapsBetweenCalls(Model);
        Assert.Equal(4, gaps.Count);
        Assert.All(gaps.Skip(1), gap => Assert.True(gap.TotalMilliseconds >= 140, $"wait of {gap.TotalMilliseconds} ms"));
        Assert.True(gaps[3].TotalMilliseconds < 500, $"the fourth wait, 800 ms uncapped, took {gaps[3].TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_429_returns_at_once_with_its_retry_after_for_routing()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 17 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var watch = Stopwatch.StartNew();
        var e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(UpstreamErrorKind.RateLimited, e.Error.Kind);
        Assert.True(e.Error.RateLimited);
        Assert.True(e.Error.ShouldFallback);
        Assert.Equal(TimeSpan.FromSeconds(17), e.Error.RetryAfter);
        Assert.Equal(1, fake.Script.CallsTo(Model));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task When_asked_429s_are_retried_after_the_servers_retry_after()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 1, FailTimes = 1 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { RetryRateLimited = true, BackoffMax = TimeSpan.FromSeconds(5) });
        var watch = Stopwatch.StartNew();
        await client.CompleteAsync(Fakes.Hello(Model));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.95, 2.5);
        Assert.Equal(2, fake.Script.CallsTo(Model));
    }

    [Fact]
    public async Task A_long_retry_after_is_capped_at_the_backoff_max()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { StatusCode = 503, RetryAfterSeconds = 30, FailTimes = 1 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { BackoffMax = TimeSpan.FromMilliseconds(300) });
        var watch = Stopwatch.StartNew();
        await client.CompleteAsync(Fakes.Hello(Model));
        Assert.InRange(watch.Elapsed.TotalMilliseconds, 290, 1500);
    }

    [Fact]
    public async Task A_hanging_model_times_out_per_attempt()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Hang = true }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { Timeout = TimeSpan.FromMilliseconds(300), RetryAttempts = 2 });
        var watch = Stopwatch.StartNew();
        var e = await FailsAsync(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(UpstreamErrorKind.Timeout, e.Error.Kind);
        Assert.True(e.Error.ShouldFallback);
        Assert.Equal(2, fake.Script.CallsTo(Model));
        Assert.InRange(watch.Elapsed.TotalMilliseconds, 590, 3000); // timers fire at millisecond granularity
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
