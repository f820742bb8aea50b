using System.Text.Json;
using Microsoft.Extensions.AI;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;
using WireMessage = Router.Contracts.OpenRouter.ChatMessage;

namespace Router.Client.Chat;

/// <summary>Router's answers as M.E.AI's: a completion as a <see cref="ChatResponse"/>, a usage as <see cref="UsageDetails"/>.</summary>
public static class ChatResponseMapping
{
    /// <summary>
    /// <c>AdditionalProperties</c> key of the routing outcome, as the HTTP answer's <c>router</c> object: a
    /// <see cref="RouterInfo"/> with the model used, the attempts made and the cost when known. On a response and its
    /// message; on a stream's first update and its usage update (with the cost), which M.E.AI merges into the message.
    /// </summary>
    public const string RouterProperty = "router";

    public static ChatResponse ToResponse(RoutedCompletion routed)
    {
        var response = routed.Response;
        var choice = response.Choices?.FirstOrDefault();
        var route = new RouterInfo(routed.Model.Value, routed.Attempts, routed.CostUsd);
        var message = new AiMessage(ChatRole.Assistant, choice?.Message is { } m ? Contents(m) : [])
        {
            MessageId = response.Id,
            RawRepresentation = choice?.Message,
            AdditionalProperties = new() { [RouterProperty] = route },
        };
        return new ChatResponse(message)
        {
            ResponseId = response.Id,
            ModelId = response.Model ?? routed.Model.Value,
            CreatedAt = response.Created is { } created ? DateTimeOffset.FromUnixTimeSeconds(created) : null,
            FinishReason = FinishReason(choice?.FinishReason),
            Usage = Usage(response.Usage),
            RawRepresentation = routed,
            AdditionalProperties = new() { [RouterProperty] = route },
        };
    }

    private static List<AIContent> Contents(WireMessage message)
    {
        var contents = new List<AIContent>();
        if (message.Extra?.GetValueOrDefault("reasoning") is { ValueKind: JsonValueKind.String } reasoning)
            contents.Add(new TextReasoningContent(reasoning.GetString()));
        if (message.ContentText is { Length: > 0 } text)
            contents.Add(new TextContent(text));
        if (message.Extra?.GetValueOrDefault("tool_calls") is { ValueKind: JsonValueKind.Array } calls)
            foreach (var call in calls.EnumerateArray())
                if (call.TryGetProperty("function", out var function))
                    contents.Add(FunctionCall(StringOf(call, "id"), StringOf(function, "name"), StringOf(function, "arguments")));
        return contents;
    }

    /// <summary>A tool call with its arguments parsed; arguments that are not a JSON object leave the parse error on the call.</summary>
    internal static FunctionCallContent FunctionCall(string? id, string? name, string? arguments) =>
        FunctionCallContent.CreateFromParsedArguments(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments, id ?? "", name ?? "",
            static json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json, AIJsonUtilities.DefaultOptions));

    internal static string? StringOf(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static ChatFinishReason? FinishReason(string? reason) => reason switch
    {
        null => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        var other => new ChatFinishReason(other),
    };

    /// <summary>The token counts, with OpenAI's details (cached prompt tokens, reasoning tokens) and OpenRouter's cost in USD.</summary>
    public static UsageDetails? Usage(Usage? usage)
    {
        if (usage is null) return null;
        var details = new UsageDetails
        {
            InputTokenCount = usage.PromptTokens,
            OutputTokenCount = usage.CompletionTokens,
            TotalTokenCount = usage.TotalTokens,
        };
        if (usage.Extra?.GetValueOrDefault("prompt_tokens_details") is { } prompt && Count(prompt, "cached_tokens") is { } cached)
            details.CachedInputTokenCount = cached;
        if (usage.Extra?.GetValueOrDefault("completion_tokens_details") is { } completion && Count(completion, "reasoning_tokens") is { } reasoning)
            details.ReasoningTokenCount = reasoning;
        return details;
    }

    private static long? Count(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.TryGetInt64(out var n) ? n : null;
}
