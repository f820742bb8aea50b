using System.Globalization;
using Router.Actors.Catalog;
using Router.Contracts.OpenRouter;

namespace Router.Node.TestModels;

/// <summary>Which models to test, and how fast: pure functions of the catalog, the options and the key's limits.</summary>
public static class ModelSelection
{
    public static IReadOnlyList<ModelInfo> Filter(IReadOnlyList<ModelInfo> catalog, TestModelsOptions options)
    {
        IEnumerable<ModelInfo> models = catalog;
        if (options.Models is { Count: > 0 } ids)
        {
            var byId = catalog.GroupBy(m => m.Id).ToDictionary(g => g.Key, g => g.First());
            // Ids missing from the catalog are still listed: routing skips them without a call ("not in catalog"), and
            // that "not found" is the answer.
            models = ids.Distinct().Select(id => byId.TryGetValue(id, out var m) ? m : new ModelInfo { Id = id, Name = id });
        }
        if (options.FreeOnly)
            models = models.Where(IsFree);
        if (!string.IsNullOrWhiteSpace(options.Match))
            models = models.Where(m => m.Id.Contains(options.Match, StringComparison.OrdinalIgnoreCase)
                                       || (m.Name?.Contains(options.Match, StringComparison.OrdinalIgnoreCase) ?? false));
        return models.ToList();
    }

    public static bool IsFree(ModelInfo model) =>
        model.Id.EndsWith(":free", StringComparison.Ordinal) || ModelPrices.IsFree(model);

    /// <summary>The pause between test starts that keeps within the key's rate limit, with 10 % headroom.</summary>
    public static TimeSpan PaceFor(KeyInfo? key, TimeSpan fallback)
    {
        if (key?.RateLimit is not { Requests: > 0 } limit || ParseInterval(limit.Interval) is not { } interval)
            return fallback;
        return TimeSpan.FromMilliseconds(Math.Ceiling(interval.TotalMilliseconds * 11 / (10.0 * limit.Requests)));
    }

    /// <summary>OpenRouter's interval strings: "10s", "1m", "1h", "500ms".</summary>
    public static TimeSpan? ParseInterval(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], "ms") : (text[..^1], text[^1..]);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0) return null;
        return unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => null,
        };
    }
}
