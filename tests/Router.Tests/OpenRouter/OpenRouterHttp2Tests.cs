using System.Diagnostics;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.OpenRouter;

/// <summary>The client's HTTP version choice, against the fake's HTTP/1.1 port and its HTTP/2 (h2c) port.</summary>
public class OpenRouterHttp2Tests
{
    private const string Model = "test/alpha";

    private static OpenRouterClientOptions OverH2c(FakeOpenRouterServer fake) =>
        Fakes.ClientOptions(fake) with { BaseUrl = fake.H2cBaseUrl, HttpVersion = UpstreamHttpVersion.Http2 };

    [Fact]
    public async Task Http2_completes_and_fetches_the_catalog_over_h2c()
    {
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(OverH2c(fake));
        Assert.Equal(Fakes.ModelIds, (await client.GetModelsAsync()).Select(m => m.Id));
        var response = (await client.CompleteAsync(Fakes.Hello(Model))).Response;
        Assert.Contains("Hello, world!", response.Choices![0].Message!.ContentText);
        Assert.Equal("HTTP/2", fake.Script.LastProtocol);
        Assert.Equal("Bearer " + fake.ApiKey, fake.Script.LastHeaders["Authorization"]);
    }

    [Theory]
    [InlineData(UpstreamHttpVersion.Auto)]
    [InlineData(UpstreamHttpVersion.Http11)]
    public async Task Over_plain_http_auto_and_1_1_speak_http_1_1(UpstreamHttpVersion version)
    {
        // Auto asks for HTTP/2 only where TLS can negotiate it; prior knowledge on plain http would break HTTP/1.1 servers.
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { HttpVersion = version });
        await client.CompleteAsync(Fakes.Hello(Model));
        Assert.Equal("HTTP/1.1", fake.Script.LastProtocol);
    }

    [Fact]
    public async Task Concurrent_calls_share_one_http2_connection()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { LatencyMs = 400 }));
        using var client = new OpenRouterClient(OverH2c(fake));
        await client.CompleteAsync(Fakes.Hello(Model)); // the connection is open before the burst
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.CompleteAsync(Fakes.Hello(Model))));
        Assert.Equal(1, fake.Script.ChatConnections);
        Assert.Equal(51, fake.Script.CallsTo(Model));
        // One after another they would take 20 s; the bound leaves a busy machine 25 times the 400 ms they need together.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"50 calls of 400 ms each took {watch.Elapsed.TotalMilliseconds:0} ms: not concurrent");
    }

    [Fact]
    public async Task Http2_streams_and_reports_a_mid_stream_error()
    {
        await using var fake = await Fakes.StartAsync(
            (Model, new FakeBehavior { Content = "one two three four" }),
            ("test/beta", new FakeBehavior { MidStreamErrorAfterChunks = 2 }));
        using var client = new OpenRouterClient(OverH2c(fake));

        var text = "";
        await foreach (var chunk in client.StreamAsync(Fakes.Hello(Model)))
            text += string.Concat((chunk.Chunk.Choices ?? []).Select(c => c.Delta?.Content));
        Assert.Equal("one two three four", text);
        Assert.Equal("HTTP/2", fake.Script.LastProtocol);

        var e = await Assert.ThrowsAsync<OpenRouterException>(async () =>
        {
            await foreach (var _ in client.StreamAsync(Fakes.Hello("test/beta"))) { }
        });
        Assert.Equal(UpstreamErrorKind.StreamError, e.Error.Kind);
    }

    [Fact]
    public async Task Http2_keeps_status_classification_and_retry_after()
    {
        await using var fake = await Fakes.StartAsync(
            (Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 17 }),
            ("test/beta", new FakeBehavior { StatusCode = 502, FailTimes = 2 }));
        using var client = new OpenRouterClient(OverH2c(fake));

        var e = await Assert.ThrowsAsync<OpenRouterException>(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(UpstreamErrorKind.RateLimited, e.Error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(17), e.Error.RetryAfter);

        await client.CompleteAsync(Fakes.Hello("test/beta")); // two 502s retried on the same connection
        Assert.Equal(3, fake.Script.CallsTo("test/beta"));
    }

    [Fact]
    public async Task A_timed_out_http2_call_resets_only_its_stream()
    {
        await using var fake = await Fakes.StartAsync(("test/beta", new FakeBehavior { Hang = true }));
        using var client = new OpenRouterClient(OverH2c(fake) with { Timeout = TimeSpan.FromMilliseconds(300), RetryAttempts = 1 });
        await client.CompleteAsync(Fakes.Hello(Model));

        var e = await Assert.ThrowsAsync<OpenRouterException>(() => client.CompleteAsync(Fakes.Hello("test/beta")));
        Assert.Equal(UpstreamErrorKind.Timeout, e.Error.Kind);
        await Wait.UntilAsync(() => fake.Script.CancelledCalls == 1);

        await client.CompleteAsync(Fakes.Hello(Model));
        Assert.Equal(1, fake.Script.ChatConnections);
    }

    [Fact]
    public async Task Http2_against_a_server_without_it_fails_as_a_network_error()
    {
        await using var fake = await Fakes.StartAsync();
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { HttpVersion = UpstreamHttpVersion.Http2, RetryAttempts = 1 });
        var e = await Assert.ThrowsAsync<OpenRouterException>(() => client.CompleteAsync(Fakes.Hello(Model)));
        Assert.Equal(UpstreamErrorKind.Network, e.Error.Kind);
        Assert.Equal(0, fake.Script.TotalCalls);
    }
}
