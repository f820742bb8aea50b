using System.Diagnostics;
using System.Text;
using Akka.Streams;
using Router.Actors.Models;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Node.TestModels;

/// <summary>
/// Tests one model: the prompt streamed through the model's actor with strict routing (no fallback), so the actor
/// learns the model's latency, time to first token and tokens per second from it, as from any streamed request. A rate
/// limit is waited out and retried instead of failing the model.
/// </summary>
public sealed class ModelProber(Coordinators coordinators, IMaterializer materializer, TestModelsOptions options, Action<string, TimeSpan>? onBackoff = null)
{
    public async Task<ModelTestResult> TestAsync(ModelInfo model, CancellationToken ct)
    {
        var request = new ChatCompletionRequest
        {
            Model = model.Id,
            Messages = [ChatMessage.Text("user", options.Prompt)],
            MaxTokens = options.MaxTokens,
            Temperature = 0.7,
        };
        for (var tries = 1; ; tries++)
        {
            var watch = Stopwatch.StartNew();
            var result = await coordinators.RouteAsync(new RouteRequest(request, Stream: true, Strict: true), ct);
            switch (result)
            {
                case RouteStreaming streaming:
                    return await ReadAsync(model, streaming, watch, tries, ct);
                case RouteFailed { Error: { RateLimited: true } error } when tries <= options.MaxRetries:
                    var wait = error.RetryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(5 * tries);
                    if (wait > options.MaxBackoff) wait = options.MaxBackoff;
                    wait += TimeSpan.FromMilliseconds(250); // clocks differ a little; arrive after the rest, not on its edge
                    onBackoff?.Invoke(model.Id, wait);
                    await Task.Delay(wait, ct);
                    continue;
                case RouteFailed failed:
                    return Failed(model, failed.Error, watch, tries);
                default:
                    throw new InvalidOperationException($"A strict streamed route answered {result.GetType().Name}");
            }
        }
    }

    /// <summary>Reads the answer to its end: its text, usage, time to first token and tokens per second.</summary>
    private async Task<ModelTestResult> ReadAsync(ModelInfo model, RouteStreaming streaming, Stopwatch watch, int tries, CancellationToken ct)
    {
        var text = new StringBuilder();
        Usage? usage = null;
        double? firstTokenMs = null;
        await using var stream = coordinators.Open(streaming);
        await foreach (var item in stream.ReadAsync(materializer, ct))
        {
            switch (item)
            {
                case StreamChunk { Chunk: var chunk }:
                    usage = chunk.Chunk.Usage ?? usage;
                    if (chunk.HasContent) firstTokenMs ??= watch.Elapsed.TotalMilliseconds;
                    foreach (var choice in chunk.Chunk.Choices ?? [])
                        if (text.Length <= MaxResponse) text.Append(choice.Delta?.Content);
                    break;
                case StreamFault fault:
                    return Failed(model, fault.Error, watch, tries);
            }
        }
        var totalMs = watch.Elapsed.TotalMilliseconds;
        return new ModelTestResult
        {
            Id = model.Id,
            Name = model.Name,
            Ok = true,
            LatencyMs = Math.Round(totalMs, 1),
            FirstTokenMs = firstTokenMs is { } first ? Math.Round(first, 1) : null,
            TokensPerSecond = CallSpeed.Of(totalMs, firstTokenMs, usage?.CompletionTokens).TokensPerSecond is { } rate ? Math.Round(rate, 1) : null,
            PromptTokens = usage?.PromptTokens,
            CompletionTokens = usage?.CompletionTokens,
            TotalTokens = usage?.TotalTokens,
            Tries = tries,
            Response = Truncate(text.ToString(), MaxResponse),
            Timestamp = DateTimeOffset.UtcNow,
        };
    }

    private static ModelTestResult Failed(ModelInfo model, UpstreamError error, Stopwatch watch, int tries) => new()
    {
        Id = model.Id,
        Name = model.Name,
        Ok = false,
        LatencyMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1),
        Reason = ModelTestResult.ReasonFor(error.Kind),
        Error = error.Message,
        StatusCode = error.StatusCode,
        Tries = tries,
        Timestamp = DateTimeOffset.UtcNow,
    };

    private const int MaxResponse = 200;

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + "...";
}
