using System.Diagnostics;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Node.TestModels;

/// <summary>
/// Tests one model: the prompt through the model's actor with strict routing (no fallback), so the actor's health
/// statistics learn from it. A rate limit is waited out and retried instead of failing the model.
/// </summary>
public sealed class ModelProber(Coordinators coordinators, TestModelsOptions options, Action<string, TimeSpan>? onBackoff = null)
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
            var result = await coordinators.RouteAsync(new RouteRequest(request, Stream: false, Strict: true), ct);
            watch.Stop();
            switch (result)
            {
                case RouteCompleted completed:
                    var usage = completed.Completion.Response.Usage;
                    return new ModelTestResult
                    {
                        Id = model.Id,
                        Name = model.Name,
                        Ok = true,
                        LatencyMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1),
                        PromptTokens = usage?.PromptTokens,
                        CompletionTokens = usage?.CompletionTokens,
                        TotalTokens = usage?.TotalTokens,
                        Tries = tries,
                        Response = Truncate(completed.Completion.Response.Choices?.FirstOrDefault()?.Message?.ContentText, 200),
                        Timestamp = DateTimeOffset.UtcNow,
                    };
                case RouteFailed { Error: { RateLimited: true } error } when tries <= options.MaxRetries:
                    var wait = error.RetryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(5 * tries);
                    if (wait > options.MaxBackoff) wait = options.MaxBackoff;
                    wait += TimeSpan.FromMilliseconds(250); // clocks differ a little; arrive after the rest, not on its edge
                    onBackoff?.Invoke(model.Id, wait);
                    await Task.Delay(wait, ct);
                    continue;
                case RouteFailed failed:
                    return new ModelTestResult
                    {
                        Id = model.Id,
                        Name = model.Name,
                        Ok = false,
                        LatencyMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1),
                        Reason = ModelTestResult.ReasonFor(failed.Error.Kind),
                        Error = failed.Error.Message,
                        StatusCode = failed.Error.StatusCode,
                        Tries = tries,
                        Timestamp = DateTimeOffset.UtcNow,
                    };
            }
        }
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + "...";
}
