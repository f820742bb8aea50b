using System.Diagnostics;
using System.Text.Json;
using Router.Actors.Observability;
using Router.Contracts;
using Router.Contracts.OpenRouter;
using Tags = Router.Actors.Observability.RouterTracing.Tags;

namespace Router.Actors.Models;

/// <summary>
/// The span of one upstream call, named and tagged after the OpenTelemetry GenAI conventions (<c>chat {model}</c>):
/// a child of the attempt that sent it, the parent of the HTTP call(s) to OpenRouter (retries included). Prompt and
/// completion text only when the node is configured to record content.
/// </summary>
internal static class CallTrace
{
    public static Activity? Start(ModelId model, string? traceParent, ChatCompletionRequest request, bool stream, bool probe, bool content)
    {
        var span = RouterTracing.StartSpan("chat " + model.Value, ActivityKind.Client, traceParent);
        if (span is not { IsAllDataRequested: true }) return span; // not sampled: it only carries the context on
        span.SetTag(Tags.OperationName, "chat");
        span.SetTag(Tags.ProviderName, "openrouter");
        span.SetTag(Tags.RequestModel, model.Value);
        span.SetTag(Tags.Stream, stream);
        if (probe) span.SetTag(Tags.Probe, true);
        if (content && span.IsAllDataRequested)
            span.SetTag(Tags.InputMessages, JsonSerializer.Serialize(request.Messages, RouterJsonContext.Default.IReadOnlyListChatMessage));
        return span;
    }

    public static void Answered(Activity? span, UpstreamCompletion completion, bool content)
    {
        if (span is not { IsAllDataRequested: true }) return;
        if (completion.Model is { } model) span.SetTag(Tags.ResponseModel, model);
        Usage(span, completion.Usage);
        var choices = completion.Response.Choices ?? [];
        span.SetTag(Tags.FinishReasons, choices.Select(c => c.FinishReason ?? "").ToArray());
        if (content)
            span.SetTag(Tags.OutputMessages, JsonSerializer.Serialize<IReadOnlyList<ChatMessage>>(choices.Select(c => c.Message).OfType<ChatMessage>().ToList(), RouterJsonContext.Default.IReadOnlyListChatMessage));
    }

    public static void FirstToken(Activity? span, double ms)
    {
        if (span is { IsAllDataRequested: true }) span.AddEvent(new ActivityEvent(Tags.FirstTokenEvent, tags: new ActivityTagsCollection { ["router.first_token_ms"] = Math.Round(ms, 2) }));
    }

    public static void Usage(Activity? span, TokenUsage? usage)
    {
        if (span is not { IsAllDataRequested: true } || usage is null) return;
        span.SetTag(Tags.InputTokens, usage.PromptTokens);
        span.SetTag(Tags.OutputTokens, usage.CompletionTokens);
    }

    public static void Failed(Activity? span, UpstreamError error)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(Tags.ErrorType, error.Kind.ToString());
        if (error.StatusCode is { } status) span.SetTag(Tags.HttpStatus, status);
        span.SetStatus(ActivityStatusCode.Error, error.Message);
    }
}
