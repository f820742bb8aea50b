using System.Globalization;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Catalog;

/// <summary>A catalog model's prices as numbers: OpenRouter lists them as decimal strings, in USD per token.</summary>
public static class ModelPrices
{
    /// <summary>Null when absent, unreadable or negative (OpenRouter's <c>-1</c> for variable pricing).</summary>
    public static double? PerToken(string? price) =>
        double.TryParse(price, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : null;

    public static double? Prompt(ModelInfo? model) => PerToken(model?.Pricing?.Prompt);

    public static double? Completion(ModelInfo? model) => PerToken(model?.Pricing?.Completion);

    /// <summary>Listed at zero for both prompt and completion.</summary>
    public static bool IsFree(ModelInfo model) => Prompt(model) == 0 && Completion(model) == 0;
}
