using System.Globalization;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

/// <summary>What an answer cost in USD: OpenRouter's own <c>usage.cost</c> when it sent one, else its tokens times the catalog's prices.</summary>
public static class Spend
{
    /// <summary>Null when neither the answer nor the catalog says (no usage, or a price that is unknown or variable).</summary>
    public static double? CostOf(TokenUsage? usage, ModelInfo? model)
    {
        if (usage is null) return null;
        if (usage.CostUsd is { } cost) return cost;
        return PerToken(model?.Pricing?.Prompt) is { } prompt && PerToken(model?.Pricing?.Completion) is { } completion
            ? usage.PromptTokens * prompt + usage.CompletionTokens * completion
            : null;
    }

    /// <summary>OpenRouter's decimal string per token; null when absent, unreadable or negative (variable pricing).</summary>
    public static double? PerToken(string? price) =>
        double.TryParse(price, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : null;
}
