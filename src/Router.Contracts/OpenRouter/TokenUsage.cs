using System.Text.Json;

namespace Router.Contracts.OpenRouter;

/// <summary>What an answer's <c>usage</c> says it cost: tokens, and OpenRouter's own <c>cost</c> in USD when it sends one.</summary>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, double? CostUsd)
{
    /// <summary>From a typed usage (a stream's last chunk): <c>cost</c> is one of its untyped fields.</summary>
    public static TokenUsage From(Usage usage) => new(usage.PromptTokens, usage.CompletionTokens,
        usage.Extra?.GetValueOrDefault("cost") is { ValueKind: JsonValueKind.Number } cost && cost.TryGetDouble(out var usd) ? usd : null);

    /// <summary>
    /// Reads the value at <paramref name="reader"/> (positioned on its first token) and leaves the reader on its last.
    /// Anything but an object of numbers is no usage (null): an odd usage never fails an answer.
    /// </summary>
    public static TokenUsage? Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        int? prompt = null, completion = null;
        double? cost = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("prompt_tokens"u8) ? 1 : reader.ValueTextEquals("completion_tokens"u8) ? 2 : reader.ValueTextEquals("cost"u8) ? 3 : 0;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number)
            {
                if (field == 1 && reader.TryGetInt32(out var p)) prompt = p;
                else if (field == 2 && reader.TryGetInt32(out var c)) completion = c;
                else if (field == 3 && reader.TryGetDouble(out var usd)) cost = usd;
            }
            reader.Skip();
        }
        return prompt is { } promptTokens && completion is { } completionTokens ? new TokenUsage(promptTokens, completionTokens, cost) : null;
    }
}
