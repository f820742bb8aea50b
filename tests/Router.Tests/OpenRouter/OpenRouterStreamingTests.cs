using System.Diagnostics;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.OpenRouter;

/// <summary>Streaming completions against the fake over real loopback HTTP.</summary>
public class OpenRouterStreamingTests
{
    private const string Model = "test/alpha";

    private static async Task<(string Text, List<ChatCompletionChunk> Chunks)> CollectAsync(OpenRouterClient client, string model = Model, CancellationToken ct = default)
    {
        var chunks = new List<ChatCompletionChunk>();
        await foreach (var chunk in client.StreamAsync(Fakes.Hello(model), ct))
            chunks.Add(chunk.Chunk);
        var text = string.Concat(chunks.SelectMany(c => c.Choices ?? []).Select(c => c.Delta?.Content));
        return (text, chunks);
    }

    public static TheoryData<FakeBehavior> Framings => new()
    {
        new FakeBehavior(),
        new FakeBehavior { UseCrlf = true },
        new FakeBehavior { SplitWrites = true },
        new FakeBehavior { MultiLineData = true },
        new FakeBehavior { UseCrlf = true, SplitWrites = true, MultiLineData = true },
    };

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task Streams_the_whole_answer_whatever_the_framing(FakeBehavior framing)
    {
        await using var fake = await Fakes.StartAsync((Model, framing with { Content = "Hello there, streaming world, with ünïcödé ✓" }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var (text, chunks) = await CollectAsync(client);
        Assert.Equal("Hello there, streaming world, with ünïcödé ✓", text);
        Assert.Equal("assistant", chunks[0].Choices![0].Delta!.Role);
        Assert.Contains(chunks, c => c.Choices?.FirstOrDefault()?.FinishReason == "stop");
        var usage = chunks.Last().Usage;
        Assert.NotNull(usage);
        Assert.Equal(7, usage.CompletionTokens);
    }

    [Fact]
    public async Task An_event_cut_before_its_blank_line_is_no_event_so_the_stream_ended_before_done()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Content = "a b", UnterminatedDone = true }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var e = await Assert.ThrowsAsync<OpenRouterException>(() => CollectAsync(client));
        Assert.Equal(UpstreamErrorKind.StreamError, e.Error.Kind);
        Assert.Contains("before [DONE]", e.Error.Message);
    }

    [Fact]
    public async Task Chunks_arrive_as_they_are_produced()
    {
        // 10 tokens/s: six words are produced over about half a second. Delivered as produced, the last word
        // arrives long after the first; buffered, they would all arrive together. Measured between chunks, not
        // from the request, so a slow first connection on a loaded machine does not matter.
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Content = "one two three four five six", TokensPerSecond = 10 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var watch = Stopwatch.StartNew();
        var arrivals = new List<TimeSpan>();
        await foreach (var chunk in client.StreamAsync(Fakes.Hello(Model)))
            if (chunk.Chunk.Choices?.FirstOrDefault()?.Delta?.Content is { Length: > 0 })
                arrivals.Add(watch.Elapsed);
        Assert.Equal(6, arrivals.Count);
        var spread = arrivals[^1] - arrivals[0];
        Assert.True(spread > TimeSpan.FromMilliseconds(350), $"six chunks arrived within {spread} of each other");
    }

    [Fact]
    public async Task A_mid_stream_error_chunk_throws_after_the_content_so_far()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Content = "a b c d e", MidStreamErrorAfterChunks = 2 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var received = new List<string>();
        var e = await Assert.ThrowsAsync<OpenRouterException>(async () =>
        {
            await foreach (var chunk in client.StreamAsync(Fakes.Hello(Model)))
                if (chunk.Chunk.Choices?.FirstOrDefault()?.Delta?.Content is { Length: > 0 } content)
                    received.Add(content);
        });
        Assert.Equal(["a", " b"], received);
        Assert.Equal(UpstreamErrorKind.StreamError, e.Error.Kind);
        Assert.Equal("Provider disconnected unexpectedly", e.Error.Message);
        Assert.Equal(Model, e.Error.Model);
    }

    [Fact]
    public async Task A_stream_that_goes_silent_times_out()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Content = "a b c d", HangAfterChunks = 2 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake) with { Timeout = TimeSpan.FromMilliseconds(400) });
        var e = await Assert.ThrowsAsync<OpenRouterException>(() => CollectAsync(client));
        Assert.Equal(UpstreamErrorKind.Timeout, e.Error.Kind);
    }

    /// <summary>
    /// Advances the injected clock by <paramref name="step"/> each time the client re-arms a wait, until the stream ends
    /// (at most <paramref name="steps"/> times). A re-arm after each step shows the client is still reading. Answers
    /// the steps taken.
    /// </summary>
    private static async Task<int> StepClockAsync(RecordingTimeProvider time, Task reading, TimeSpan step, int steps)
    {
        var taken = 0;
        for (; taken < steps && !reading.IsCompleted; taken++)
        {
            time.Clear();
            var rearmed = time.NextTimerAsync(timeoutMs: 30_000);
            if (await Task.WhenAny(rearmed, reading) == reading) break;
            await rearmed;
            time.Step(step);
        }
        return taken;
    }

    [Fact]
    public async Task Keep_alive_comments_prove_a_slow_model_alive()
    {
        // OpenRouter sends ": OPENROUTER PROCESSING" while the model thinks; 27 s of it (on the injected clock) with a
        // 10 s silence timeout must not cut the stream.
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Content = "a b", LatencyMs = 5000, CommentEveryMs = 50 }));
        var time = new RecordingTimeProvider();
        var options = Fakes.ClientOptions(fake) with { Timeout = TimeSpan.FromSeconds(10), FirstTokenTimeout = TimeSpan.FromSeconds(100), RetryAttempts = 1 };
        using var client = new OpenRouterClient(options, time: time);
        var reading = CollectAsync(client);
        Assert.Equal(3, await StepClockAsync(time, reading, TimeSpan.FromSeconds(9), steps: 3)); // each after a comment
        var (text, _) = await reading;
        Assert.Equal("a b", text);
    }

    [Fact]
    public async Task A_model_that_stays_alive_but_never_answers_ends_at_the_first_token_deadline()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { LatencyMs = 600_000, CommentEveryMs = 50 }));
        var time = new RecordingTimeProvider();
        var options = Fakes.ClientOptions(fake) with { Timeout = TimeSpan.FromSeconds(10), FirstTokenTimeout = TimeSpan.FromSeconds(25), RetryAttempts = 1 };
        using var client = new OpenRouterClient(options, time: time);
        var reading = CollectAsync(client);
        await StepClockAsync(time, reading, TimeSpan.FromSeconds(9), steps: 10);
        var e = await Assert.ThrowsAsync<OpenRouterException>(() => reading);
        Assert.Equal(UpstreamErrorKind.Timeout, e.Error.Kind);
        Assert.Contains("no token within 25 s", e.Error.Message);
        Assert.True(e.Error.ShouldFallback);
    }

    [Fact]
    public async Task A_malformed_chunk_is_an_invalid_response()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Malformed = true }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        var e = await Assert.ThrowsAsync<OpenRouterException>(() => CollectAsync(client));
        Assert.Equal(UpstreamErrorKind.InvalidResponse, e.Error.Kind);
    }

    [Fact]
    public async Task Errors_before_the_stream_starts_are_classified_and_retried_like_completions()
    {
        await using var fake = await Fakes.StartAsync(
            (Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 9 }),
            ("test/beta", new FakeBehavior { StatusCode = 503, FailTimes = 1 }),
            ("test/gamma", new FakeBehavior { StatusCode = 402 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));

        var limited = await Assert.ThrowsAsync<OpenRouterException>(() => CollectAsync(client, Model));
        Assert.Equal(UpstreamErrorKind.RateLimited, limited.Error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(9), limited.Error.RetryAfter);

        var (text, _) = await CollectAsync(client, "test/beta");
        Assert.NotEmpty(text);
        Assert.Equal(2, fake.Script.CallsTo("test/beta"));

        var noCredits = await Assert.ThrowsAsync<OpenRouterException>(() => CollectAsync(client, "test/gamma"));
        Assert.Equal(UpstreamErrorKind.PaymentRequired, noCredits.Error.Kind);
        Assert.False(noCredits.Error.ShouldFallback);
    }

    [Fact]
    public async Task Stopping_the_enumeration_cancels_the_upstream_call()
    {
        await using var fake = await Fakes.StartAsync((Model, new FakeBehavior { Content = string.Join(' ', Enumerable.Repeat("tok", 200)), TokensPerSecond = 50 }));
        using var client = new OpenRouterClient(Fakes.ClientOptions(fake));
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.StreamAsync(Fakes.Hello(Model), cts.Token))
                if (++seen == 3) await cts.CancelAsync();
        });
        await Wait.UntilAsync(() => fake.Script.CancelledCalls == 1 && fake.Script.ActiveStreams(Model) == 0);
    }
}
