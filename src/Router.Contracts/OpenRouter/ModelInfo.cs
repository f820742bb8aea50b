using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Contracts.OpenRouter;

/// <summary>
/// One entry of OpenRouter's <c>GET /models</c> list. Only the fields Router reads are typed (OpenRouter always sends
/// them); every other field stays in <see cref="Extra"/> as sent, a <c>null</c> included, so <c>/v1/models</c> passes
/// the entry on unchanged.
/// </summary>
public sealed record ModelInfo
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public int? ContextLength { get; init; }
    public ModelPricing? Pricing { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>Prices per token, as decimal strings (OpenRouter's format); the other prices stay in <see cref="Extra"/>.</summary>
public sealed record ModelPricing
{
    public string? Prompt { get; init; }
    public string? Completion { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>The envelope of <c>GET /models</c>: <c>{"data": [...]}</c>.</summary>
public sealed record ModelList(IReadOnlyList<ModelInfo> Data);
