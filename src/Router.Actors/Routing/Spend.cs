using Router.Actors.Catalog;
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
        return ModelPrices.Prompt(model) is { } prompt && ModelPrices.Completion(model) is { } completion
            ? usage.PromptTokens * prompt + usage.CompletionTokens * completion
            : null;
    }
}
